-- Real-name registration photos of a user (ID card front and back), kept in the document store
-- like application documents (the bytes under `object_key`; here the kind, the type decided
-- from the content, size and SHA-256). A newer photo of a kind is the one in force; the older
-- stay on record.

CREATE TABLE user_documents (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('id_card_front', 'id_card_back')),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    size_bytes BIGINT NOT NULL,
    -- hex of the SHA-256 of the bytes as stored
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL UNIQUE,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX user_documents_user ON user_documents(user_id, id);
