"""The use cases: one module per capability. Returns plain objects; never schema types."""
