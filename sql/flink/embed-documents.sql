-- Embed documents from Kafka with the streaminfer model provider and upsert them into PostgreSQL.
-- Against the quickstart's services (bin/quickstart): Kafka 127.0.0.1:19092, PostgreSQL
-- jdbc:postgresql://127.0.0.1:15432/inference (table document_embeddings, migration V21).
-- Run: bin/flink-sql sql/flink/embed-documents.sql   (see sql/flink/README.md)

-- Documents as JSON lines {"id": "...", "text": "..."} on the topic `documents`.
CREATE TABLE documents (
  id   STRING,
  text STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'documents',
  'properties.bootstrap.servers' = '127.0.0.1:19092',
  'properties.group.id' = 'sql-embed-documents',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

-- One row per document id, upserted. The JDBC connector cannot write ARRAY columns, so the vector
-- goes as its JSON text into a JSONB column (stringtype=unspecified lets PostgreSQL cast it).
CREATE TABLE document_embeddings (
  id        STRING,
  model     STRING,
  embedding STRING,
  PRIMARY KEY (id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = 'jdbc:postgresql://127.0.0.1:15432/inference?stringtype=unspecified',
  'table-name' = 'document_embeddings',
  'username' = 'inference',
  'password' = 'inference'
);

-- In-process ONNX, micro-batched behind ML_PREDICT's per-row calls. 'error-handling' = 'null'
-- keeps the query running past texts the model cannot embed (blank, too long): NULL embedding.
CREATE MODEL embedder
  INPUT (text STRING)
  OUTPUT (embedding ARRAY<FLOAT>)
  WITH (
    'provider' = 'streaminfer',
    'model' = 'all-minilm-l6-v2',
    'error-handling' = 'null'
  );

-- The documents are append-only and the JDBC sink upserts by id, so a replay after a failure rewrites
-- the same rows: no ON CONFLICT materialisation (which would keep every id in Flink state) is needed.
SET 'table.exec.sink.require-on-conflict' = 'false';

-- Up to 64 rows in flight per subtask (Flink's default is 10), so batches can fill.
INSERT INTO document_embeddings
SELECT id, 'all-minilm-l6-v2', CAST(embedding AS STRING)
FROM ML_PREDICT(TABLE documents, MODEL embedder, DESCRIPTOR(text),
                MAP['max-concurrent-operations', '64']);
