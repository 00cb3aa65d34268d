"""Strawberry types, inputs, enums and the Schema; cip.graphql is the exported SDL."""
