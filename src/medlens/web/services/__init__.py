"""Service layer: all business logic and authorization checks live here; routers stay thin."""
