-- Written by the Flink SQL example sql/flink/embed-documents.sql (ML_PREDICT with the streaminfer
-- model provider): one row per document id, upserted, so a replay rewrites rather than adds.
-- embedding is the vector as a JSON array of numbers; NULL for a text the model could not embed
-- (the model's 'error-handling' = 'null').
CREATE TABLE document_embeddings (
    id        TEXT  PRIMARY KEY,
    model     TEXT  NOT NULL,
    embedding JSONB CHECK (embedding IS NULL OR jsonb_typeof(embedding) = 'array')
);
