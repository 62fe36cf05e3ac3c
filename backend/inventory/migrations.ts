// Schema of the inventory database, as an append-only list of migrations. The
// database's `PRAGMA user_version` is the number of migrations applied; opening a
// database applies the missing ones in one transaction. Never edit a migration that
// has shipped: add a new one.

export const MIGRATIONS: string[] = [
  // 1: vehicles, ECUs, manifests, reports, assignments, install results, alerts, campaigns,
  //    and the Director's signed metadata per vehicle.
  `
  CREATE TABLE vehicles (
    vin TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    -- Highest timestamp version whose files are on disk (publication is DB first, files second).
    published_timestamp_version INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE ecus (
    serial TEXT PRIMARY KEY,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    hardware_id TEXT NOT NULL,
    public_key TEXT NOT NULL,          -- Ed25519 public key, hex
    keyid TEXT NOT NULL,
    is_primary INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
    installed_filename TEXT,
    installed_length INTEGER,
    installed_hashes TEXT,             -- JSON object algorithm -> hex
    installed_release_counter INTEGER NOT NULL DEFAULT 0,
    last_report_time TEXT
  );
  CREATE INDEX ecus_by_vin ON ecus(vin);
  CREATE INDEX ecus_by_hardware ON ecus(hardware_id);
  CREATE UNIQUE INDEX one_primary_per_vehicle ON ecus(vin) WHERE is_primary = 1;

  CREATE TABLE manifests (
    id INTEGER PRIMARY KEY,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    primary_serial TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX manifests_by_vin ON manifests(vin);

  CREATE TABLE ecu_reports (
    id INTEGER PRIMARY KEY,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id),
    ecu_serial TEXT NOT NULL REFERENCES ecus(serial),
    nonce TEXT NOT NULL,
    installed_filename TEXT,
    release_counter INTEGER NOT NULL,
    report_time TEXT NOT NULL,
    attacks_detected TEXT NOT NULL,
    UNIQUE (ecu_serial, nonce)         -- a nonce is accepted once per ECU (replay guard)
  );

  CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    hardware_id TEXT NOT NULL,
    target_name TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('group', 'all')),
    created_at TEXT NOT NULL
  );

  CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    ecu_serial TEXT NOT NULL REFERENCES ecus(serial),
    target_name TEXT NOT NULL,
    length INTEGER NOT NULL,
    hashes TEXT NOT NULL,              -- JSON, copied from the Image repository's signed target
    custom TEXT NOT NULL,              -- JSON, ditto
    release_counter INTEGER NOT NULL,
    campaign_id INTEGER REFERENCES campaigns(id),
    -- queued: waits for the vehicle's previous bundle; published: in the vehicle's targets;
    -- installed / failed: confirmed by a version report; superseded: replaced while queued.
    status TEXT NOT NULL CHECK (status IN ('queued', 'published', 'installed', 'failed', 'superseded')),
    bundle INTEGER,                    -- targets version that first carried it
    created_at TEXT NOT NULL
  );
  CREATE INDEX assignments_by_vin ON assignments(vin, status);

  CREATE TABLE install_results (
    id INTEGER PRIMARY KEY,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id),
    vin TEXT NOT NULL,
    ecu_serial TEXT NOT NULL,
    assignment_id INTEGER REFERENCES assignments(id),
    filename TEXT NOT NULL,
    success INTEGER NOT NULL,
    code TEXT NOT NULL,
    detail TEXT NOT NULL
  );

  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    vin TEXT NOT NULL,
    ecu_serial TEXT,
    manifest_id INTEGER REFERENCES manifests(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX alerts_by_vin ON alerts(vin);

  CREATE TABLE director_metadata (
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    role TEXT NOT NULL CHECK (role IN ('targets', 'snapshot', 'timestamp')),
    version INTEGER NOT NULL,
    expires TEXT NOT NULL,
    json TEXT NOT NULL,                -- the exact bytes served
    PRIMARY KEY (vin, role, version)
  );
  `,
  // 2: the Director root versions as signed (the files under director/root/ are checked
  //    against them and rebuilt from them), and alerts about the backend as a whole
  //    (vin '' in alerts: a file not tied to one vehicle).
  `
  CREATE TABLE director_roots (
    version INTEGER PRIMARY KEY,
    json TEXT NOT NULL                 -- the exact bytes served
  );
  `,
  // 3: vehicles' TLS client certificates (README "Backend: TLS and who may read what"): a
  //    request is a vehicle's only when its verified certificate's serial is here, names
  //    the same VIN and is not revoked.
  `
  CREATE TABLE vehicle_certificates (
    serial TEXT PRIMARY KEY,           -- hex, upper case, as issued
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    issued_at TEXT NOT NULL,
    not_after TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX vehicle_certificates_by_vin ON vehicle_certificates(vin);
  `,
  // 4: the client a vehicle runs (README "Serving aktualizr"): `uptane` (our Primary,
  //    Uptane 2.1) or `aktualizr` (the OTA Connect dialect); an aktualizr ECU's last
  //    accepted report counter (its reports carry no nonce: a counter not above this one is
  //    a replay); and the telemetry aktualizr sends beside its manifests.
  `
  ALTER TABLE vehicles ADD COLUMN client_profile TEXT NOT NULL DEFAULT 'uptane' CHECK (client_profile IN ('uptane', 'aktualizr'));
  ALTER TABLE ecus ADD COLUMN report_counter INTEGER;
  CREATE TABLE vehicle_telemetry (
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    kind TEXT NOT NULL CHECK (kind IN ('system_info', 'network', 'config', 'installed', 'events')),
    received_at TEXT NOT NULL,
    body TEXT NOT NULL,                -- as sent (JSON; the configuration TOML text), size-capped
    PRIMARY KEY (vin, kind)
  );
  `,
  // 5: the supplier portal (README "Backend: supplier portal"): accounts the OEM creates,
  //    each delivering bundles for its delegated roles, and the bundles they upload, held
  //    for the OEM's review (the bundle's bytes are a 0600 file named by its SHA-256).
  `
  CREATE TABLE supplier_accounts (
    name TEXT PRIMARY KEY,
    roles TEXT NOT NULL,               -- JSON array of the delegated roles it may deliver
    password_hash TEXT NOT NULL,       -- JSON {kdf, N, r, p, salt, hash}: parameters kept per hash
    created_at TEXT NOT NULL,
    disabled_at TEXT
  );
  CREATE TABLE supplier_submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL REFERENCES supplier_accounts(name),
    sha256 TEXT NOT NULL,              -- of the bundle's bytes; also its file name
    bytes INTEGER NOT NULL,
    roles TEXT NOT NULL,               -- JSON [{name, version, targets}] as uploaded
    -- pending: awaits review; approved: imported and published; rejected: by the OEM;
    -- refused: the import's checks refused it at approval.
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'refused')),
    reason TEXT,
    received_at TEXT NOT NULL,
    decided_at TEXT,
    snapshot_version INTEGER           -- Image snapshot that published it
  );
  CREATE INDEX supplier_submissions_by_account ON supplier_submissions(account, id);
  `,
  // 6: a Director root version is committed before its file is written (a rotation
  //    re-signs every vehicle's metadata first, README "Director key rotation"); until
  //    then its missing file is "publication pending", not a mismatch.
  `
  ALTER TABLE director_roots ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
  `,
  // 7: open assignments by ECU (a manifest's reports and a campaign's look-ups ask for an
  //    ECU's queued or published assignments; without it each scanned every assignment).
  `
  CREATE INDEX assignments_open_by_ecu ON assignments(ecu_serial) WHERE status IN ('queued', 'published');
  `,
  // 8: fleet credentials for aktualizr's shared-credential provisioning (README "Serving
  //    aktualizr"): client certificates of the vehicle CA that are no vehicle's; one may
  //    `POST /aktualizr/devices` to have a new vehicle's certificate issued, until revoked.
  `
  CREATE TABLE fleet_credentials (
    serial TEXT PRIMARY KEY,           -- hex, upper case, as issued
    name TEXT NOT NULL UNIQUE,
    issued_at TEXT NOT NULL,
    not_after TEXT NOT NULL,
    revoked_at TEXT,
    devices INTEGER NOT NULL DEFAULT 0 -- vehicles provisioned with it
  );
  `,
  // 9: dependencies and conflicts between images (README "Dependencies and conflicts";
  //    Deployment Best Practices, normal operating procedures): image A requires image B
  //    (by name, or any image of a hardware ID at a minimum release counter) on another
  //    ECU of the same vehicle, or conflicts with image C. The Director refuses an
  //    assignment or campaign whose result would break a rule.
  `
  CREATE TABLE image_rules (
    id INTEGER PRIMARY KEY,
    image TEXT NOT NULL,               -- target name A the rule is about
    kind TEXT NOT NULL CHECK (kind IN ('requires', 'conflicts')),
    other_name TEXT,                   -- B or C by target name
    other_hardware_id TEXT,            -- or: any image for this hardware ID ...
    min_release_counter INTEGER,       -- ... at this release counter or above (requires only)
    created_at TEXT NOT NULL,
    CHECK ((other_name IS NULL) <> (other_hardware_id IS NULL)),
    CHECK ((other_hardware_id IS NULL) = (min_release_counter IS NULL)),
    CHECK (kind = 'requires' OR other_name IS NOT NULL)
  );
  CREATE INDEX image_rules_by_image ON image_rules(image);
  `,
  // 10: campaigns you can watch and halt (README "Campaigns"): a campaign's state (active,
  //     paused, halted at its failure threshold, cancelled) and threshold; each campaign
  //     assignment's stage (the reserved group, or all); when each vehicle last sent a
  //     manifest (status "not reporting since", `uptane vehicles --last-seen-before`);
  //     acknowledged alerts; and the indexes the status and listings page through.
  `
  ALTER TABLE campaigns ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'halted', 'cancelled'));
  ALTER TABLE campaigns ADD COLUMN state_detail TEXT;
  ALTER TABLE campaigns ADD COLUMN state_changed_at TEXT;
  ALTER TABLE campaigns ADD COLUMN max_failures INTEGER;          -- halt at this many failures in a stage
  ALTER TABLE campaigns ADD COLUMN max_failure_percent INTEGER;   -- or at this percentage of the stage's assignments
  ALTER TABLE campaigns ADD COLUMN group_vins TEXT;               -- JSON: the reserved group's VINs
  ALTER TABLE assignments ADD COLUMN stage TEXT CHECK (stage IN ('group', 'all'));
  UPDATE assignments SET stage = (SELECT c.stage FROM campaigns c WHERE c.id = assignments.campaign_id) WHERE campaign_id IS NOT NULL;
  CREATE INDEX assignments_by_campaign ON assignments(campaign_id, id);
  CREATE INDEX install_results_by_assignment ON install_results(assignment_id);
  CREATE INDEX install_results_by_vin ON install_results(vin, id);
  ALTER TABLE vehicles ADD COLUMN last_manifest_at TEXT;
  UPDATE vehicles SET last_manifest_at = (SELECT MAX(m.received_at) FROM manifests m WHERE m.vin = vehicles.vin);
  CREATE INDEX vehicles_by_last_manifest ON vehicles(last_manifest_at);
  ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT;
  `,
  // 11: the vehicle lifecycle (README "Backend: vehicle lifecycle"): ECUs a workshop replaced
  //     or removed stay as rows (their reports and assignments point at them) but count for
  //     nothing; an ECU whose report came signed by another key is held (no update) until a
  //     workshop records the change; a decommissioned vehicle is neither served nor heard;
  //     workshop accounts (scrypt hashes, as the supplier portal's) and each change with who
  //     made it and when.
  `
  ALTER TABLE vehicles ADD COLUMN decommissioned_at TEXT;
  ALTER TABLE ecus ADD COLUMN retired_at TEXT;
  ALTER TABLE ecus ADD COLUMN held TEXT;
  DROP INDEX one_primary_per_vehicle;
  CREATE UNIQUE INDEX one_primary_per_vehicle ON ecus(vin) WHERE is_primary = 1 AND retired_at IS NULL;
  CREATE TABLE workshop_accounts (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,       -- JSON {kdf, N, r, p, salt, hash}, as supplier_accounts
    created_at TEXT NOT NULL,
    disabled_at TEXT
  );
  CREATE TABLE vehicle_history (
    id INTEGER PRIMARY KEY,
    vin TEXT NOT NULL REFERENCES vehicles(vin),
    action TEXT NOT NULL CHECK (action IN ('replace-ecu', 'add-ecu', 'remove-ecu', 'replace-primary', 'decommission')),
    ecu_serial TEXT,
    detail TEXT NOT NULL,              -- JSON: what changed (serials, hardware IDs, keyids)
    actor TEXT NOT NULL,               -- "workshop:NAME" (HTTP API) or "cli:USER" (on the backend folder)
    at TEXT NOT NULL
  );
  CREATE INDEX vehicle_history_by_vin ON vehicle_history(vin, id);
  `,
  // 12: withdrawn images (README "Backend: withdrawing an image and removing a supplier"): the
  //     Director never assigns a withdrawn target again, whichever role listed it.
  `
  CREATE TABLE withdrawn_images (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,                -- the Image repository role that listed it
    reason TEXT NOT NULL,              -- "withdrawn", or "supplier-removed" (its supplier's delegation was removed)
    actor TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL
  );
  `,
  // 13: the OEM console (README "Backend: OEM console"): its users with a role and an
  //     scrypt hash as the supplier portal keeps them; sessions, kept by the SHA-256 of the
  //     cookie (a copy of the database opens none) with each session's CSRF token; who
  //     acknowledged an alert; an index for the fleet page's counts per installed image.
  `
  CREATE TABLE console_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'release-manager', 'admin')),
    password_hash TEXT NOT NULL,       -- JSON {kdf, N, r, p, salt, hash}, as supplier_accounts
    created_at TEXT NOT NULL,
    disabled_at TEXT
  );
  CREATE TABLE console_sessions (
    token_sha256 TEXT PRIMARY KEY,     -- hex SHA-256 of the cookie's value
    user_name TEXT NOT NULL REFERENCES console_users(name),
    csrf_token TEXT NOT NULL,          -- hex, in every form of the session
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX console_sessions_by_user ON console_sessions(user_name);
  ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
  CREATE INDEX ecus_by_installed ON ecus(installed_filename);
  `,
  // 14: per-ECU image encryption (README "Per-ECU image encryption"): an ECU's encryption
  //     method (its key is in the key service, DIR/keyservice/, never here), and per
  //     assignment to such an ECU the encrypted image: its Director entry (name, length and
  //     hashes of the ciphertext, custom.encryption: the wrapped key, never a content key)
  //     and the ciphertext, served to the vehicle and dropped (NULL) once the assignment is
  //     no longer open. The ciphertext is stored, not regenerated, so every Director process
  //     on one database serves the same bytes without the key service or the images.
  `
  ALTER TABLE ecus ADD COLUMN encryption TEXT;
  CREATE TABLE encrypted_images (
    assignment_id INTEGER PRIMARY KEY REFERENCES assignments(id),
    vin TEXT NOT NULL,
    name TEXT NOT NULL,                -- the Director's target name, PLAINTEXT.SERIALHASH.enc
    length INTEGER NOT NULL,           -- of the ciphertext
    hashes TEXT NOT NULL,              -- JSON {sha256, sha512} of the ciphertext
    encryption TEXT NOT NULL,          -- JSON custom.encryption
    bytes BLOB                         -- the ciphertext; NULL once removed
  );
  CREATE INDEX encrypted_images_by_name ON encrypted_images(vin, name);
  `,
  // 15: a campaign's progress over time (README "Backend: OEM console"): each stage's counts
  //     as they were, a row whenever they changed (recorded by the Director's campaign
  //     actions, by manifests that confirm or fail its assignments, and by the server's
  //     upkeep), which the console's progress chart reads; partial indexes of the ECUs and
  //     vehicles out of service, for the fleet's counts.
  `
  CREATE TABLE campaign_progress (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    stage TEXT NOT NULL CHECK (stage IN ('group', 'all')),
    at TEXT NOT NULL,
    queued INTEGER NOT NULL,
    published INTEGER NOT NULL,       -- in the vehicles' targets, not confirmed yet
    installed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    not_reporting INTEGER NOT NULL    -- published, on vehicles without a manifest for 24 hours
  );
  CREATE INDEX campaign_progress_by_campaign ON campaign_progress(campaign_id, stage, id);
  -- The few ECUs out of service, for the console's counts of those in service (partial: a
  -- report's update of an ECU in service never touches them).
  CREATE INDEX ecus_retired ON ecus(retired_at) WHERE retired_at IS NOT NULL;
  CREATE INDEX vehicles_decommissioned ON vehicles(decommissioned_at) WHERE decommissioned_at IS NOT NULL;
  `,
  // 16: retention in the background (README "Backend: the inventory on PostgreSQL":
  //     retention): where the pruner's walk over the fleet stands (shared by every process
  //     on the database), and indexes so a manifest row is deleted only when no report,
  //     install result or alert points at it, without scanning those tables.
  `
  CREATE TABLE retention_cursor (
    name TEXT PRIMARY KEY,
    vin TEXT NOT NULL                  -- the last VIN pruned; '' starts the walk again
  );
  CREATE INDEX ecu_reports_by_manifest ON ecu_reports(manifest_id);
  CREATE INDEX install_results_by_manifest ON install_results(manifest_id);
  CREATE INDEX alerts_by_manifest ON alerts(manifest_id);
  `,
];
