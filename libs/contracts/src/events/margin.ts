// Commands and events owned by the margin journal (besides the wire events in wire.ts).
export {};
