"""RDF stage: the ontology namespace, IRIs, records -> triples, validation."""
