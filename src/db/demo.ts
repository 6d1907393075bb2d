import { sql } from 'kysely';
import type { Env } from '../orm/env.js';

interface DemoCompany { xmlid: string; name: string; email: string; city: string; country: string; contacts: [string, string, string][] }

// The companies and contacts of Odoo's demo database (base/data/res_partner_demo.xml), abridged.
const COMPANIES: DemoCompany[] = [
  { xmlid: 'res_partner_12', name: 'Azure Interior', email: 'azure.Interior24@example.com', city: 'Fremont', country: 'US', contacts: [['res_partner_address_15', 'Brandon Freeman', 'brandon.freeman55@example.com'], ['res_partner_address_28', 'Colleen Diaz', 'colleen.diaz83@example.com'], ['res_partner_address_16', 'Nicole Ford', 'nicole.ford75@example.com']] },
  { xmlid: 'res_partner_2', name: 'Deco Addict', email: 'deco.addict82@example.com', city: 'Pleasant Hill', country: 'US', contacts: [['res_partner_address_31', 'Addison Olson', 'addison.olson28@example.com'], ['res_partner_address_3', 'Douglas Fletcher', 'douglas.fletcher51@example.com'], ['res_partner_address_4', 'Floyd Steward', 'floyd.steward34@example.com']] },
  { xmlid: 'res_partner_3', name: 'Gemini Furniture', email: 'gemini.furniture39@example.com', city: 'Fairfield', country: 'US', contacts: [['res_partner_address_5', 'Edwin Hansen', 'edwin.hansen58@example.com'], ['res_partner_address_6', 'Jesse Brown', 'jesse.brown74@example.com']] },
  { xmlid: 'res_partner_4', name: 'Ready Mat', email: 'ready.mat28@example.com', city: 'Tracy', country: 'US', contacts: [['res_partner_address_13', 'Billy Fox', 'billy.fox45@example.com'], ['res_partner_address_14', 'Kim Snyder', 'kim.snyder96@example.com']] },
  { xmlid: 'res_partner_10', name: 'The Jackson Group', email: 'jackson.group82@example.com', city: 'Turnhout', country: 'BE', contacts: [['res_partner_address_33', 'Toni Rhodes', 'toni.rhodes11@example.com']] },
  { xmlid: 'res_partner_18', name: 'Lumber Inc', email: 'lumber-inv92@example.com', city: 'Stockton', country: 'US', contacts: [['res_partner_address_35', 'Lorraine Douglas', 'lorraine.douglas35@example.com']] },
];

async function xmlidExists(env: Env, module: string, name: string): Promise<boolean> {
  const { rows } = await sql`SELECT 1 FROM ir_model_data WHERE module = ${module} AND name = ${name}`.execute(env.trx);
  return rows.length > 0;
}

async function setXmlid(env: Env, module: string, name: string, model: string, resId: number): Promise<void> {
  await sql`INSERT INTO ir_model_data (module, name, model, res_id, noupdate) VALUES (${module}, ${name}, ${model}, ${resId}, true) ON CONFLICT (module, name) DO NOTHING`.execute(env.trx);
}

/** Odoo's demo records (DEMO_DATA=1), each set loaded once. */
export async function loadDemoData(env: Env): Promise<void> {
  if (!(await xmlidExists(env, 'base', 'user_demo'))) await loadBaseDemo(env);
  if (!(await xmlidExists(env, 'helpdesk', 'helpdesk_team1'))) await loadHelpdeskCrmDemo(env);
  if (!(await xmlidExists(env, 'im_livechat', 'chatbot_script_welcome_bot'))) await loadChatbotDemo(env);
}

/**
 * Users demo/demo (internal user, live chat operator) and portal/portal, and a few companies with
 * contacts.
 */
async function loadBaseDemo(env: Env): Promise<void> {
  const partners = env.model('res.partner');
  const countries = new Map<string, number>();
  for (const code of ['US', 'BE']) {
    const [id] = await env.model('res.country').search([['code', '=', code]]);
    if (id) countries.set(code, id);
  }
  for (const c of COMPANIES) {
    const [companyId] = await partners.create([{ name: c.name, is_company: true, email: c.email, city: c.city, country_id: countries.get(c.country) ?? false }]);
    await setXmlid(env, 'base', c.xmlid, 'res.partner', companyId!);
    for (const [xmlid, name, email] of c.contacts) {
      const [id] = await partners.create([{ name, email, parent_id: companyId, city: c.city, country_id: countries.get(c.country) ?? false }]);
      await setXmlid(env, 'base', xmlid, 'res.partner', id!);
    }
  }
  const internal = await env.ref('base.group_user') as number;
  const livechatUser = await env.ref('im_livechat.im_livechat_group_user') as number;
  const portal = await env.ref('base.group_portal') as number;
  const [demoId] = await env.model('res.users').create([{
    login: 'demo', password: 'demo', name: 'Marc Demo', email: 'mark.brown23@example.com', tz: 'Europe/Brussels', lang: 'en_US',
    groups_id: [[6, 0, [internal, livechatUser]]],
  }]);
  await setXmlid(env, 'base', 'user_demo', 'res.users', demoId!);
  // the demo operator joins the YourWebsite.com channel (im_livechat demo data)
  const channel = await env.ref('im_livechat.im_livechat_channel_data', false);
  if (channel) await env.model('im_livechat.channel').write([channel], { user_ids: [[4, demoId]] });
  const [portalId] = await env.model('res.users').create([{
    login: 'portal', password: 'portal', name: 'Joel Willis', email: 'joel.willis63@example.com', tz: 'Europe/Brussels', lang: 'en_US',
    groups_id: [[6, 0, [portal]]],
  }]);
  await setXmlid(env, 'base', 'demo_user0', 'res.users', portalId!);
}

/**
 * Canned responses, helpdesk teams (Customer Care takes live chat tickets, which also opens a live
 * chat channel named after it), a sales team and a few leads and tickets for the demo customers.
 */
async function loadHelpdeskCrmDemo(env: Env): Promise<void> {
  const demo = await env.ref('base.user_demo', false);
  const admin = await env.ref('base.user_admin') as number;
  const users = demo ? [admin, demo] : [admin];
  const partner = async (xmlid: string) => (await env.ref(`base.${xmlid}`, false)) || false;

  for (const [xmlid, source, substitution, description] of [
    ['shortcode_demo_sorry', 'sorry', 'I am sorry to hear that.', 'Apologies'],
    ['shortcode_demo_greeting', 'greeting', "Hello {{visitor.name || 'there'}}, I am {{operator.name}} from {{company.name}}. How can I help you?", 'Greeting with the visitor\'s name'],
    ['shortcode_demo_thanks', 'thanks', 'Thank you for contacting us. Have a nice day!', false],
  ] as const) {
    const [id] = await env.model('mail.shortcode').create([{ source, substitution, description }]);
    await setXmlid(env, 'im_livechat', xmlid, 'mail.shortcode', id!);
  }

  const teams = env.model('helpdesk.team');
  const [care] = await teams.create([{ name: 'Customer Care', sequence: 1, member_ids: [[6, 0, users]], use_website_helpdesk_livechat: true, auto_assignment: true, assign_method: 'balanced' }]);
  await setXmlid(env, 'helpdesk', 'helpdesk_team1', 'helpdesk.team', care!);
  const [vip] = await teams.create([{ name: 'VIP Support', sequence: 5, member_ids: [[6, 0, [admin]]] }]);
  await setXmlid(env, 'helpdesk', 'helpdesk_team3', 'helpdesk.team', vip!);
  const tags = new Map<string, number>();
  for (const name of ['Repair', 'Service', 'Delivery']) tags.set(name, (await env.model('helpdesk.tag').create([{ name }]))[0]!);
  const tickets = env.model('helpdesk.ticket');
  for (const [xmlid, name, team, customer, tag] of [
    ['helpdesk_ticket_1', 'Kitchen collapsing', care, 'res_partner_12', 'Repair'],
    ['helpdesk_ticket_2', 'Where is my order?', care, 'res_partner_address_15', 'Delivery'],
    ['helpdesk_ticket_3', 'Invoice address to change', vip, 'res_partner_2', 'Service'],
  ] as const) {
    const [id] = await tickets.create([{ name, team_id: team, partner_id: await partner(customer), tag_ids: [[6, 0, [tags.get(tag)!]]] }]);
    await setXmlid(env, 'helpdesk', xmlid, 'helpdesk.ticket', id!);
  }

  const [europe] = await env.model('crm.team').create([{ name: 'Europe', sequence: 20, user_id: admin, member_ids: [[6, 0, users]], use_leads: true }]);
  await setXmlid(env, 'sales_team', 'crm_team_1', 'crm.team', europe!);
  const sales = await env.ref('sales_team.team_sales_department', false);
  const livechat = await env.ref('crm_livechat.utm_source_livechat', false);
  for (const [xmlid, name, team, customer, user, source] of [
    ['crm_case_1', 'Office Design Project', sales, 'res_partner_12', admin, false],
    ['crm_case_2', 'Furniture for the new showroom', europe, 'res_partner_10', demo, livechat],
    ['crm_case_3', 'Quote for 20 desks', sales, 'res_partner_4', false, livechat],
  ] as const) {
    const [id] = await env.model('crm.lead').create([{ name, team_id: team, partner_id: await partner(customer), user_id: user, source_id: source, type: 'opportunity' }]);
    await setXmlid(env, 'crm', xmlid, 'crm.lead', id!);
  }
}

/**
 * im_livechat's "Welcome Bot" (data/im_livechat_chatbot_data.xml): a greeting, a question whose
 * pricing answer forwards to an operator (and asks for an email when nobody is available), a
 * documentation answer with a redirect, a "just looking" answer; played on the YourWebsite.com
 * channel's '/contactus' pages.
 */
async function loadChatbotDemo(env: Env): Promise<void> {
  const [script] = await env.model('chatbot.script').create([{ title: 'Welcome Bot' }]);
  await setXmlid(env, 'im_livechat', 'chatbot_script_welcome_bot', 'chatbot.script', script!);
  const steps = env.model('chatbot.script.step');
  const step = async (xmlid: string, sequence: number, step_type: string, message: string | false, triggers: number[] = []) => {
    const [id] = await steps.create([{ chatbot_script_id: script, sequence, step_type, message, triggering_answer_ids: [[6, 0, triggers]] }]);
    await setXmlid(env, 'im_livechat', xmlid, 'chatbot.script.step', id!);
    return id!;
  };
  await step('chatbot_script_welcome_step_welcome', 1, 'text', 'Welcome to CompanyName! 👋');
  const dispatch = await step('chatbot_script_welcome_step_dispatch', 2, 'question_selection', 'What are you looking for?');
  const answer = async (xmlid: string, sequence: number, name: string, redirect_link: string | false = false) => {
    const [id] = await env.model('chatbot.script.answer').create([{ script_step_id: dispatch, sequence, name, redirect_link }]);
    await setXmlid(env, 'im_livechat', xmlid, 'chatbot.script.answer', id!);
    return id!;
  };
  const pricing = await answer('chatbot_script_welcome_step_dispatch_answer_pricing', 1, 'I have a pricing question');
  const documentation = await answer('chatbot_script_welcome_step_dispatch_answer_documentation', 2, 'I am looking for your documentation', '/');
  const justLooking = await answer('chatbot_script_welcome_step_dispatch_answer_just_looking', 3, 'I am just looking around');
  await step('chatbot_script_welcome_step_pricing', 3, 'text', 'Hmmm, let me check if I can find someone that could help you with that...', [pricing]);
  await step('chatbot_script_welcome_step_pricing_forward_operator', 4, 'forward_operator', false, [pricing]);
  await step('chatbot_script_welcome_step_pricing_noone_available', 5, 'text', 'Hu-ho, it looks like none of our operators are available 🙁', [pricing]);
  await step('chatbot_script_welcome_step_pricing_email', 6, 'question_email', 'Would you mind leaving your email address so that we can reach you back?', [pricing]);
  await step('chatbot_script_welcome_step_documentation_redirect', 7, 'text', 'And tadaaaa here you go! 🌟', [documentation]);
  await step('chatbot_script_welcome_step_documentation_exit', 8, 'text', 'If you need anything else, feel free to get back in touch', [documentation]);
  await step('chatbot_script_welcome_step_just_looking', 9, 'text', 'Please do! If there is anything we can help with, let us know', [justLooking]);

  const channel = await env.ref('im_livechat.im_livechat_channel_data', false);
  if (channel) {
    const [rule] = await env.model('im_livechat.channel.rule').create([{ channel_id: channel, regex_url: '/contactus', action: 'auto_popup', auto_popup_timer: 2, chatbot_script_id: script, sequence: 5 }]);
    await setXmlid(env, 'im_livechat', 'im_livechat_channel_rule_chatbot_welcome_bot', 'im_livechat.channel.rule', rule!);
  }
}
