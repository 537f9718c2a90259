"""Pure domain model of Nära: no AWS, no framework, no environment."""
