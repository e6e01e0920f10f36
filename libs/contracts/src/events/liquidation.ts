// Commands and events owned by the liquidation journal (besides the wire events in wire.ts).
export {};
