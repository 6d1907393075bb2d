-- The wizards around API keys (res_users.py): res.users.apikeys.description names a new key before
-- make_key generates it; res.users.identitycheck asks for the password again before a key is made
-- or removed. Both are transient: rows belong to their creator and are deleted once used.
CREATE TABLE res_users_apikeys_description (
  id serial PRIMARY KEY,
  name varchar NOT NULL,
  create_uid integer REFERENCES res_users(id) ON DELETE SET NULL,
  create_date timestamp DEFAULT (now() AT TIME ZONE 'utc'),
  write_uid integer REFERENCES res_users(id) ON DELETE SET NULL,
  write_date timestamp DEFAULT (now() AT TIME ZONE 'utc')
);

CREATE TABLE res_users_identitycheck (
  id serial PRIMARY KEY,
  request varchar,
  password varchar,
  create_uid integer REFERENCES res_users(id) ON DELETE SET NULL,
  create_date timestamp DEFAULT (now() AT TIME ZONE 'utc'),
  write_uid integer REFERENCES res_users(id) ON DELETE SET NULL,
  write_date timestamp DEFAULT (now() AT TIME ZONE 'utc')
);

-- res.users.apikeys._check_credentials looks keys up by their index prefix (Odoo indexes (user_id, index))
CREATE INDEX IF NOT EXISTS res_users_apikeys_user_id_index_idx ON res_users_apikeys (user_id, index);
