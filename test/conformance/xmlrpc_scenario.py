"""Drives a running livechat-rpc with Python's standard xmlrpc.client, as Odoo's External API page does.

Usage: python3 xmlrpc_scenario.py PORT [DB]
Prints one JSON object with what the client saw; test/conformance/xmlrpc-client.test.ts asserts on it.
Any unexpected failure is reported as {"fatal": ...} with the traceback, and exit status 1.
"""
import datetime
import json
import sys
import traceback
import xmlrpc.client


def fault(call):
    """Runs `call`, expecting an xmlrpc.client.Fault; returns its code and the first line of its text."""
    try:
        call()
    except xmlrpc.client.Fault as exc:
        text = exc.faultString or ''
        return {'code': exc.faultCode, 'string': text if not text.startswith('Traceback') else text.strip().split('\n')[-1]}
    return None


def main():
    port = int(sys.argv[1])
    db = sys.argv[2] if len(sys.argv) > 2 else 'odoo'
    url = f'http://127.0.0.1:{port}'
    username, password = 'admin', 'admin'
    out = {}

    # -- the External API walkthrough (Odoo 17 documentation) --
    common = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/common')
    out['version'] = common.version()
    uid = common.authenticate(db, username, password, {})
    out['uid'] = uid
    out['bad_login'] = common.authenticate(db, username, 'wrong', {})

    models = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/object')
    out['check_access_rights'] = models.execute_kw(db, uid, password, 'res.partner', 'check_access_rights', ['read'], {'raise_exception': False})
    for name in ('Walkthrough A', 'Walkthrough B', 'Walkthrough C'):
        models.execute_kw(db, uid, password, 'res.partner', 'create', [{'name': name, 'is_company': True}])
    out['search'] = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]])
    out['search_page'] = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'offset': 1, 'limit': 2})
    out['search_count'] = models.execute_kw(db, uid, password, 'res.partner', 'search_count', [[['is_company', '=', True]]])
    ids = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['is_company', '=', True]]], {'limit': 1})
    [record] = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids])
    out['read_all_fields'] = sorted(record)
    out['read'] = models.execute_kw(db, uid, password, 'res.partner', 'read', [ids], {'fields': ['name', 'country_id', 'comment']})
    fields = models.execute_kw(db, uid, password, 'res.partner', 'fields_get', [], {'attributes': ['string', 'help', 'type']})
    out['fields_get_name'] = fields['name']
    out['fields_get_count'] = len(fields)
    out['search_read'] = models.execute_kw(db, uid, password, 'res.partner', 'search_read', [[['is_company', '=', True]]], {'fields': ['name', 'country_id', 'comment'], 'limit': 5})
    new_id = models.execute_kw(db, uid, password, 'res.partner', 'create', [{'name': 'New Partner'}])
    out['create'] = new_id
    out['write'] = models.execute_kw(db, uid, password, 'res.partner', 'write', [[new_id], {'name': 'Newer partner'}])
    out['display_name'] = models.execute_kw(db, uid, password, 'res.partner', 'read', [[new_id], ['display_name']])
    out['unlink'] = models.execute_kw(db, uid, password, 'res.partner', 'unlink', [[new_id]])
    out['after_unlink'] = models.execute_kw(db, uid, password, 'res.partner', 'search', [[['id', '=', new_id]]])

    # -- live chat models: channels, canned responses, leads --
    out['livechat_channels'] = models.execute_kw(db, uid, password, 'im_livechat.channel', 'search_read', [[]], {'fields': ['name', 'user_ids']})
    canned = models.execute_kw(db, uid, password, 'mail.shortcode', 'create', [{'source': 'xmlhello', 'substitution': 'Hello from xmlrpc.client'}])
    out['canned_suggestions'] = models.execute_kw(db, uid, password, 'mail.shortcode', 'get_suggestions', [], {'search': 'xmlhel'})
    out['canned_unlink'] = models.execute_kw(db, uid, password, 'mail.shortcode', 'unlink', [[canned]])
    lead = models.execute_kw(db, uid, password, 'crm.lead', 'create', [{'name': 'Lead from xmlrpc.client', 'email_from': 'buyer@example.com'}])
    out['lead_write'] = models.execute_kw(db, uid, password, 'crm.lead', 'write', [[lead], {'expected_revenue': 1234.5}])
    out['lead'] = models.execute_kw(db, uid, password, 'crm.lead', 'read', [[lead], ['name', 'email_from', 'expected_revenue', 'type', 'create_date']])
    out['livechat_sessions'] = models.execute_kw(db, uid, password, 'discuss.channel', 'search_count', [[['channel_type', '=', 'livechat']]])

    # -- values: None with allow_none, DateTime objects --
    nullable = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/object', allow_none=True)
    out['write_none'] = nullable.execute_kw(db, uid, password, 'crm.lead', 'write', [[lead], {'email_from': None}], None)
    when = xmlrpc.client.DateTime(datetime.datetime(2024, 3, 5, 10, 11, 12))
    shortcode = models.execute_kw(db, uid, password, 'mail.shortcode', 'create', [{'source': 'dated', 'substitution': 'x', 'last_used': when}])
    out['datetime_param'] = models.execute_kw(db, uid, password, 'mail.shortcode', 'read', [[shortcode], ['last_used']])[0]['last_used']
    out['lead_after_none'] = models.execute_kw(db, uid, password, 'crm.lead', 'read', [[lead], ['email_from']])[0]['email_from']
    out['lead_unlink'] = models.execute_kw(db, uid, password, 'crm.lead', 'unlink', [[lead]])

    # -- faults --
    out['fault_user_error'] = fault(lambda: models.execute_kw(db, uid, password, 'no.such.model', 'search', [[]]))
    out['fault_access_denied'] = fault(lambda: models.execute_kw(db, uid, 'wrong', 'res.partner', 'search', [[]]))
    out['fault_access_error'] = fault(lambda: models.execute_kw(db, uid, password, 'res.partner', '_read', [[]]))
    out['fault_none_result'] = fault(lambda: models.execute_kw(db, uid, password, 'res.partner', 'check_access_rule', [ids, 'read']))
    out['fault_value_error'] = fault(lambda: models.execute_kw(db, uid, password, 'res.partner', 'write', [ids, {'no_such_field': 1}]))
    legacy = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/object')
    out['legacy_fault'] = fault(lambda: legacy.execute_kw(db, uid, password, 'no.such.model', 'search', [[]]))
    out['legacy_login'] = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/common').login(db, username, password)
    out['db_list'] = xmlrpc.client.ServerProxy(f'{url}/xmlrpc/2/db').list()

    # -- an API key, made through Odoo's wizard, then used in place of the password --
    wizard = models.execute_kw(db, uid, password, 'res.users.apikeys.description', 'create', [{'name': 'xmlrpc.client script'}])
    check = models.execute_kw(db, uid, password, 'res.users.apikeys.description', 'make_key', [[wizard]])
    models.execute_kw(db, uid, password, 'res.users.identitycheck', 'write', [[check['res_id']], {'password': password}])
    shown = models.execute_kw(db, uid, password, 'res.users.identitycheck', 'run_check', [[check['res_id']]])
    key = shown['context']['default_key']
    out['key_length'] = len(key)
    out['key_authenticate'] = common.authenticate(db, username, key, {})
    out['key_search_count'] = models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[['is_company', '=', True]]])
    key_id = models.execute_kw(db, uid, key, 'res.users.apikeys', 'search', [[['name', '=', 'xmlrpc.client script']]])
    out['key_unlink'] = models.execute_kw(db, uid, password, 'res.users.apikeys', 'unlink', [key_id])
    out['revoked_key'] = fault(lambda: models.execute_kw(db, uid, key, 'res.partner', 'search_count', [[]]))
    print(json.dumps(out))


if __name__ == '__main__':
    try:
        main()
    except Exception:  # noqa: BLE001 - report anything to the tap test
        print(json.dumps({'fatal': traceback.format_exc()}))
        sys.exit(1)
