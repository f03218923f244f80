// How the call engine sees grpc-js's transparent retries (gRFC A6): grpc-js retries a stream refused
// before the server's application saw it by itself, inside one engine attempt, and tells only the load
// balancer. The engine marks an attempt's metadata with an observer; the SDK's top picker
// (connect-timeout.ts) reports each pick and each stream start of that attempt to it.
import { experimental, type Metadata, type MetadataOptions } from '@grpc/grpc-js';

export interface StreamObserver {
  /**
   * grpc-js picks a connection for the attempt: before its first stream (again while it waits for a
   * connection), and once more after a stream was refused, for the transparent retry.
   */
  picked(): void;
  /** grpc-js opened an HTTP/2 stream for the attempt, to `address` ("host:port"). */
  streamStarted(address: string): void;
}

const OBSERVER = Symbol('grpcclient.streamObserver');
type ObservedOptions = MetadataOptions & { [OBSERVER]?: StreamObserver };

/**
 * Marks `metadata` (one attempt's) for the picker. The mark rides on the options object, which grpc-js's
 * Metadata.clone() hands on (1.10-1.14) to the copies its resolving, retrying and load-balancing calls
 * make, so the picker's copy has it; headers would reach the server. `owned`: the options object is
 * this attempt's alone and may be marked as it is, else the attempt gets one of its own.
 */
export function observeStreams(metadata: Metadata, observer: StreamObserver, owned: boolean): void {
  if (owned) (metadata.getOptions() as ObservedOptions)[OBSERVER] = observer;
  else metadata.setOptions({ ...metadata.getOptions(), [OBSERVER]: observer } as ObservedOptions);
}

export function streamObserverOf(metadata: Metadata): StreamObserver | undefined {
  return (metadata.getOptions() as ObservedOptions)[OBSERVER];
}

/**
 * A complete pick as the channel gets it, which tells the observer when grpc-js starts the stream.
 * grpc-js calls onCallStarted as a method of the pick, so this costs one object and no closure.
 */
class ObservedPick implements experimental.PickResult {
  readonly pickResultType = experimental.PickResultType.COMPLETE;
  readonly subchannel: experimental.SubchannelInterface;
  readonly status = null;
  readonly onCallEnded: experimental.PickResult['onCallEnded'];
  private readonly inner: experimental.PickResult;
  private readonly observer: StreamObserver;

  constructor(inner: experimental.PickResult, subchannel: experimental.SubchannelInterface, observer: StreamObserver) {
    this.inner = inner;
    this.subchannel = subchannel;
    this.onCallEnded = inner.onCallEnded;
    this.observer = observer;
  }

  onCallStarted(): void {
    this.observer.streamStarted(this.subchannel.getAddress());
    this.inner.onCallStarted?.();
  }
}

/** `inner` with `subchannel` in its place, reporting its stream start to `observer` if there is one. */
export function completePick(inner: experimental.PickResult, subchannel: experimental.SubchannelInterface, observer: StreamObserver | undefined): experimental.PickResult {
  return observer ? new ObservedPick(inner, subchannel, observer) : { ...inner, subchannel };
}
