"""Configuration: the schema check, named scenarios and the generated reference."""
