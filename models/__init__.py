"""CIP's own partition: Tortoise models, migrations, sealing, pseudonyms, the clock.

Nothing here imports from the packages above it (resolvers, auth, schema, subgraph).
"""
