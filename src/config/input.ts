// The config object as written inline (init({ config }), loadConfig()), typed from the schema so that it cannot
// drift: a misspelt key, a wrong value type or an unknown choice is a compile error. Files are checked at run time.
import type { FormatInputs } from './formats.ts';
import type { SchemaLeaf } from './schema-shape.ts';
import type { globalSchema, serviceFields } from './schema.ts';
import type { telemetrySchema } from './telemetry-schema.ts';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A field's value: as its named format accepts it, one of its listed choices, or a string. */
type FieldInput<F> = F extends keyof FormatInputs ? FormatInputs[F] : F extends readonly (infer Choice)[] ? Choice : F extends StringConstructor ? string : never;

type RequiredKeys<S> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];

/** A section: every field optional (the schema has its default), except those marked required. */
type SectionInput<S> = Simplify<
  { readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: NodeInput<S[K]> } & { readonly [K in RequiredKeys<S>]: NodeInput<S[K]> }
>;
type NodeInput<N> = N extends SchemaLeaf ? FieldInput<N['format']> : SectionInput<N>;

/** One `grpc_clients.services[]` entry as written inline: name and address, and any field to change from its default. */
export type ServiceConfigInput = SectionInput<typeof serviceFields>;

/** The `grpc_clients.telemetry` section as written inline. */
export type TelemetryConfigInput = SectionInput<typeof telemetrySchema>;

/** The `grpc_clients` section as written inline. */
export type GrpcClientsConfigInput = Simplify<{ readonly services: readonly ServiceConfigInput[] } & SectionInput<Omit<(typeof globalSchema)['grpc_clients'], 'services'>>>;
