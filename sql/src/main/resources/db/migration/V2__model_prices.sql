-- Price list for the cost views: one row per model and the instant a price starts to apply.
-- A price applies from valid_from until the next valid_from of the same model (see
-- model_price_periods); a request is priced at the price valid at its submitted_at.
-- Prices are in USD per 1,000 charged tokens. Change a price by INSERTing a new row with a future
-- valid_from; never UPDATE a past row (that would silently reprice history).
CREATE TABLE model_prices (
    model             TEXT          NOT NULL,
    valid_from        TIMESTAMPTZ   NOT NULL,
    usd_per_1k_tokens NUMERIC(14, 8) NOT NULL CHECK (usd_per_1k_tokens >= 0),
    note              TEXT,
    PRIMARY KEY (model, valid_from)
);

INSERT INTO model_prices (model, valid_from, usd_per_1k_tokens, note) VALUES
    ('all-minilm-l6-v2-q', TIMESTAMPTZ '2026-01-01 00:00:00+00', 0.00200, 'launch price'),
    ('bge-small-en-v15-q', TIMESTAMPTZ '2026-01-01 00:00:00+00', 0.00400, 'launch price');

-- Each price with the end of its validity (exclusive); 'infinity' for the current one.
CREATE VIEW model_price_periods AS
SELECT model,
       valid_from,
       COALESCE(LEAD(valid_from) OVER (PARTITION BY model ORDER BY valid_from),
                TIMESTAMPTZ 'infinity') AS valid_to,
       usd_per_1k_tokens
FROM model_prices;
