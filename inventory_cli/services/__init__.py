"""Services: one module per aggregate or use case; primitives in, DTOs out, no printing."""
