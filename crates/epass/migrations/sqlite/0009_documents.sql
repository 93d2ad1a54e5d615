-- Documents uploaded for applications (the bytes live in the object store under `object_key`;
-- here their kind, type decided from the content, size and SHA-256), and documents owed after
-- an approval (容缺受理): the deadline, the reminders sent, the fulfilment and the lapse.

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    uploader_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('id_card', 'driving_licence', 'vehicle_licence', 'test_report', 'other')),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes BIGINT NOT NULL,
    -- hex of the SHA-256 of the bytes as stored
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL UNIQUE,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX documents_application ON documents(application_id, id);

CREATE TABLE owed_documents (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    pass_id BIGINT NOT NULL REFERENCES passes(id),
    kind TEXT NOT NULL CHECK (kind IN ('id_card', 'driving_licence', 'vehicle_licence', 'test_report', 'other')),
    -- the end of the deadline day, milliseconds since the Unix epoch
    due_at BIGINT NOT NULL,
    -- the reviewer who approved with the document owed
    owed_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- each reminder is sent once: its time is set in the transaction that queues it
    reminded_3d_at BIGINT,
    reminded_1d_at BIGINT,
    fulfilled_at BIGINT,
    document_id BIGINT REFERENCES documents(id),
    -- the deadline passed unfulfilled (the pass was suspended then if it was active)
    lapsed_at BIGINT,
    UNIQUE (application_id, kind)
);
CREATE INDEX owed_documents_open ON owed_documents(fulfilled_at, due_at);
