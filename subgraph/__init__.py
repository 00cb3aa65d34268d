"""Assembly: settings, the Starlette app, its lifespan, GraphiQL, health, the CLI."""
