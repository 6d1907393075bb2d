-- Performance (issue 8, from the benchmark's profiles).

-- crm.lead's _order is `priority desc, id desc`: the first page of a list of opportunities is read
-- from this index instead of sorting every lead.
CREATE INDEX crm_lead_priority_id_index ON crm_lead (priority DESC, id DESC);

-- Access rights, record rules and group memberships are cached by every instance
-- (security/access.ts). Any change to the tables they are read from moves this generation, inside
-- the changing transaction, so a call compares one number instead of reading the rules again
-- (what Odoo's registry and cache signaling sequences do). The numbers come from a sequence, which
-- never hands out a value twice: a generation seen inside a transaction that rolls back is never
-- reused for another state.
CREATE SEQUENCE access_signaling_seq;
CREATE TABLE access_signaling (
  id integer PRIMARY KEY CHECK (id = 1),
  generation bigint NOT NULL
);
INSERT INTO access_signaling (id, generation) VALUES (1, nextval('access_signaling_seq'));

CREATE FUNCTION access_signaling_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE access_signaling SET generation = nextval('access_signaling_seq') WHERE id = 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER ir_model_access_signaling AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ir_model_access
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
CREATE TRIGGER ir_rule_signaling AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ir_rule
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
CREATE TRIGGER rule_group_rel_signaling AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rule_group_rel
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
CREATE TRIGGER ir_model_signaling AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ir_model
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
CREATE TRIGGER res_groups_users_rel_signaling AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON res_groups_users_rel
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
-- a user's partner and company are values of record rules; logging in (login_date) changes neither
CREATE TRIGGER res_users_signaling AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, partner_id, company_id ON res_users
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
