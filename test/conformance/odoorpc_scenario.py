"""Drives a running livechat-rpc with the real Python client odoorpc (Debian python3-odoorpc).

Usage: python3 odoorpc_scenario.py PORT [DB]
Prints one JSON object with what the client saw; test/conformance/odoorpc.test.ts asserts on it.
Any unexpected failure is reported as {"fatal": ...} with the traceback, and exit status 1.
"""
import json
import sys
import traceback

import odoorpc


def rpc_error(call):
    """Runs `call`, expecting odoorpc.error.RPCError; returns what the client exposes of it."""
    try:
        call()
    except odoorpc.error.RPCError as exc:
        info = exc.info if isinstance(exc.info, dict) else {}
        data = info.get('data') or {}
        return {'message': str(exc), 'code': info.get('code'), 'name': data.get('name'), 'data_message': data.get('message')}
    return None


def main():
    port = int(sys.argv[1])
    db = sys.argv[2] if len(sys.argv) > 2 else 'odoo'
    out = {}

    client = odoorpc.ODOO('127.0.0.1', port=port, timeout=60)
    out['version'] = client.version
    out['db_list'] = client.db.list()

    out['bad_login'] = rpc_error(lambda: client.login(db, 'admin', 'not-the-password'))
    client.login(db, 'admin', 'admin')
    env = client.env
    out['uid'] = env.uid
    out['context'] = env.context

    # env.user reads every field fields_get returns for res.users
    user = env.user
    out['user_name'] = user.name
    out['user_login'] = user.login
    out['user_partner'] = [user.partner_id.id, user.partner_id.name]
    out['user_groups'] = len(user.groups_id)

    Partner = env['res.partner']
    companies = Partner.search([('is_company', '=', True)])
    out['companies'] = companies
    out['read'] = Partner.read(companies[:2], ['name', 'is_company'])
    out['search_read'] = Partner.search_read([('id', 'in', companies[:1])], ['name'])

    pid = Partner.create({'name': 'odoorpc Partner', 'email': 'odoorpc@example.com'})
    out['created'] = pid
    out['write'] = Partner.write([pid], {'phone': '+32 2 290 34 90'})
    out['after_write'] = Partner.read([pid], ['name', 'email', 'phone'])

    record = Partner.browse(pid)
    out['browse_name'] = record.name
    record.city = 'Brussels'  # odoorpc writes at once
    out['browse_city'] = Partner.read([pid], ['city'])[0]['city']
    out['name_get'] = record.display_name

    fields = Partner.fields_get()
    out['fields_get_keys'] = sorted(fields)
    out['fields_get_name'] = fields['name']
    out['fields_get_parent'] = fields['parent_id']
    out['search_count'] = Partner.search_count([('id', '=', pid)])

    out['unlink'] = Partner.unlink([pid])
    out['after_unlink'] = Partner.search([('id', '=', pid)])

    out['error_unknown_field'] = rpc_error(lambda: Partner.write([companies[0]], {'no_such_field': 1}))
    out['error_unknown_model'] = rpc_error(lambda: client.execute('no.such.model', 'search', []))
    out['error_private'] = rpc_error(lambda: client.execute_kw('res.partner', '_read', [[]]))

    # live chat models: channels, canned responses, leads
    out['livechat_channel'] = env['im_livechat.channel'].read([1], ['name'])[0]['name']
    Shortcode = env['mail.shortcode']
    canned = Shortcode.create({'source': 'rpchi', 'substitution': 'Hello from odoorpc'})
    out['canned_suggestions'] = [s['source'] for s in Shortcode.get_suggestions('rpchi')]
    Shortcode.unlink([canned])
    Lead = env['crm.lead']
    lead = Lead.browse(Lead.create({'name': 'Lead from odoorpc', 'partner_id': companies[0]}))
    lead.expected_revenue = 999.5
    out['lead'] = [lead.name, lead.partner_id.id, lead.expected_revenue]
    out['livechat_sessions'] = env['discuss.channel'].search_count([('channel_type', '=', 'livechat')])

    out['logout'] = client.logout()
    print(json.dumps(out))


if __name__ == '__main__':
    try:
        main()
    except Exception:  # noqa: BLE001 - report anything to the tap test
        print(json.dumps({'fatal': traceback.format_exc()}))
        sys.exit(1)
