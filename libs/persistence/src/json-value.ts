/** What a jsonb column holds: canonical-JSON-able values (amounts as decimal strings, no floats). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
