-- Chatbot scripts are utm sources (utm.source.mixin): the leads and tickets a bot creates name the
-- script as their source, and `lead_count` counts them. Existing scripts get a source named after
-- their title ("Title", then "Title [2]"... when the name is taken, as utm's _get_unique_names).

ALTER TABLE chatbot_script ADD COLUMN source_id integer REFERENCES utm_source(id) ON DELETE RESTRICT;

DO $$
DECLARE
  script record;
  candidate varchar;
  n integer;
  new_id integer;
BEGIN
  FOR script IN SELECT id, title FROM chatbot_script WHERE source_id IS NULL ORDER BY id LOOP
    candidate := script.title;
    n := 1;
    WHILE EXISTS (SELECT 1 FROM utm_source WHERE name = candidate) LOOP
      n := n + 1;
      candidate := script.title || ' [' || n || ']';
    END LOOP;
    INSERT INTO utm_source (name) VALUES (candidate) RETURNING id INTO new_id;
    UPDATE chatbot_script SET source_id = new_id WHERE id = script.id;
  END LOOP;
END $$;

ALTER TABLE chatbot_script ALTER COLUMN source_id SET NOT NULL;
CREATE INDEX crm_lead_source_id_index ON crm_lead (source_id);
