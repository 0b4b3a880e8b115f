// The contract's users see the bus types the method definitions are made of.
@_exported import InfernetBus
