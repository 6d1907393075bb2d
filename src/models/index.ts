import type { ModelDef } from '../orm/registry.js';
import { irModel, irModelAccess, irModelData, irModelFields, irRule } from './ir_model.js';
import resCompany from './res_company.js';
import resCountry from './res_country.js';
import resGroups from './res_groups.js';
import resLang from './res_lang.js';
import resPartner from './res_partner.js';
import resUsers from './res_users.js';
import resUsersApikeys from './res_users_apikeys.js';
import resUsersApikeysDescription from './res_users_apikeys_description.js';
import resUsersIdentitycheck from './res_users_identitycheck.js';
import resUsersSettings from './res_users_settings.js';
import discussChannel from './discuss_channel.js';
import discussChannelMember from './discuss_channel_member.js';
import imLivechatChannel from './im_livechat_channel.js';
import imLivechatChannelRule from './im_livechat_channel_rule.js';
import mailGuest from './mail_guest.js';
import mailMail from './mail_mail.js';
import { mailMessage, mailMessageSubtype } from './mail_message.js';
import ratingRating from './rating_rating.js';
import { websiteTrack, websiteVisitor } from './website_visitor.js';
import { mailCannedResponse, mailShortcode } from './mail_shortcode.js';
import utmSource from './utm_source.js';
import { crmStage, crmTeam } from './crm_team.js';
import crmLead from './crm_lead.js';
import { helpdeskStage, helpdeskTag } from './helpdesk_stage.js';
import helpdeskTeam from './helpdesk_team.js';
import helpdeskTicket from './helpdesk_ticket.js';
import { chatbotMessage, chatbotScript, chatbotScriptAnswer, chatbotScriptStep } from './chatbot_script.js';

/** Every model this service serves. */
export const MODELS: readonly ModelDef[] = [
  resPartner, resUsers, resGroups, resCompany, resLang, resCountry, resUsersSettings, resUsersApikeys,
  resUsersApikeysDescription, resUsersIdentitycheck,
  irModel, irModelFields, irModelData, irModelAccess, irRule,
  mailGuest, discussChannel, discussChannelMember, mailMessage, mailMessageSubtype, mailMail,
  imLivechatChannel, imLivechatChannelRule, ratingRating, websiteVisitor, websiteTrack,
  mailShortcode, mailCannedResponse, utmSource, crmTeam, crmStage, crmLead,
  helpdeskTeam, helpdeskStage, helpdeskTag, helpdeskTicket,
  chatbotScript, chatbotScriptStep, chatbotScriptAnswer, chatbotMessage,
];
