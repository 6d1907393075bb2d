-- Record rules also read the user's commercial partner (res_partner_portal_public_rule), which
-- follows res_partner.parent_id up to a company: changing a partner's parent or company flag moves
-- the access generation (0013) too, so cached rule values are read again.
CREATE TRIGGER res_partner_signaling AFTER DELETE OR TRUNCATE OR UPDATE OF parent_id, is_company ON res_partner
  FOR EACH STATEMENT EXECUTE FUNCTION access_signaling_bump();
