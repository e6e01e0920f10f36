// Commands and events owned by the default-fund journal (besides the wire events in wire.ts).
export {};
