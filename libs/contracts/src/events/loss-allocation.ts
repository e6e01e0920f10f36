// Commands and events owned by the loss-allocation journal (besides the wire events in wire.ts).
export {};
