// Counts the spans of one OTLP ExportTraceServiceRequest, in JSON or protobuf, without a full decoder:
// the sink only needs how many spans arrived and how many of them are roots (one per traced call).

export interface SpanCount {
  spans: number;
  rootSpans: number;
}

interface JsonSpan {
  parentSpanId?: string;
}
interface JsonRequest {
  resourceSpans?: { scopeSpans?: { spans?: JsonSpan[] }[] }[];
}

export function countJsonSpans(body: Buffer): SpanCount {
  const request = JSON.parse(body.toString('utf8')) as JsonRequest;
  const count = { spans: 0, rootSpans: 0 };
  for (const resource of request.resourceSpans ?? []) {
    for (const scope of resource.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        count.spans++;
        if (!span.parentSpanId) count.rootSpans++;
      }
    }
  }
  return count;
}

/** Field number → length-delimited payloads of one protobuf message; other wire types are skipped. */
function* lengthDelimitedFields(bytes: Uint8Array): Generator<[number, Uint8Array]> {
  let offset = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[offset++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (offset < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: varint(); break;
      case 1: offset += 8; break;
      case 5: offset += 4; break;
      case 2: {
        const length = varint();
        yield [field, bytes.subarray(offset, offset + length)];
        offset += length;
        break;
      }
      default: throw new Error(`unsupported protobuf wire type ${key & 7}`);
    }
  }
}

// ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.spans = 2;
// Span.parent_span_id = 4 (empty or absent on a root span).
export function countProtobufSpans(body: Uint8Array): SpanCount {
  const count = { spans: 0, rootSpans: 0 };
  for (const [field, resourceSpans] of lengthDelimitedFields(body)) {
    if (field !== 1) continue;
    for (const [field2, scopeSpans] of lengthDelimitedFields(resourceSpans)) {
      if (field2 !== 2) continue;
      for (const [field3, span] of lengthDelimitedFields(scopeSpans)) {
        if (field3 !== 2) continue;
        count.spans++;
        let parent = 0;
        for (const [spanField, value] of lengthDelimitedFields(span)) if (spanField === 4) parent = value.length;
        if (parent === 0) count.rootSpans++;
      }
    }
  }
  return count;
}
