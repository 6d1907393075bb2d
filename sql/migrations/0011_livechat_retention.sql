-- Data retention per live chat channel (issue 10): conversations whose last activity is older than
-- retention_days are deleted or have their visitor anonymised (src/livechat/retention.ts).
-- 0 days keeps them forever, as before.

ALTER TABLE im_livechat_channel ADD COLUMN retention_days integer NOT NULL DEFAULT 0;
ALTER TABLE im_livechat_channel ADD COLUMN retention_action varchar NOT NULL DEFAULT 'anonymize';
ALTER TABLE im_livechat_channel ADD CONSTRAINT im_livechat_channel_retention_days_positive CHECK (retention_days >= 0);
ALTER TABLE im_livechat_channel ADD CONSTRAINT im_livechat_channel_retention_action_valid CHECK (retention_action IN ('delete', 'anonymize'));

-- when the visitor of a conversation was anonymised (an anonymised conversation is not done twice)
ALTER TABLE discuss_channel ADD COLUMN livechat_anonymized_at timestamp;
