// Tillgänglighetsredogörelse (accessibility statement), after DIGG's model for the law on accessibility of digital
// public services (lagen (2018:1937) om tillgänglighet till digital offentlig service). Reachable before login from
// every page's footer. Its texts are here, in both languages, and join the dictionary when the page is opened.

import { config } from "/shared/app.js";
import { h } from "/shared/dom.js";
import { addStrings } from "/shared/i18n.js";

const DIGG_COMPLAINT = "https://www.digg.se/tdosanmalan";

const sv = {
  "statement.title": "Tillgänglighetsredogörelse för Nära",
  "statement.intro": "{region} står bakom Nära. Vi vill att så många som möjligt ska kunna använda tjänsten. "
    + "Här beskriver vi hur Nära uppfyller lagen om tillgänglighet till digital offentlig service, vilka brister "
    + "vi känner till och hur du kan rapportera problem till oss så att vi kan åtgärda dem.",
  "statement.howTitle": "Hur tillgänglig är tjänsten?",
  "statement.how": "Nära är delvis förenlig med lagen om tillgänglighet till digital offentlig service. Målet är "
    + "WCAG 2.1 nivå AA. De brister vi känner till beskrivs nedan.",
  "statement.helpTitle": "Vad kan du göra om du inte kan använda delar av tjänsten?",
  "statement.help": "Ring din vårdcentral eller 1177 Vårdguiden på telefon, så får du samma hjälp på ett annat "
    + "sätt. Vid livshotande tillstånd ska du alltid ringa 112.",
  "statement.reportTitle": "Rapportera brister i tjänstens tillgänglighet",
  "statement.report": "Vi strävar hela tiden efter att göra Nära mer tillgänglig. Om du upptäcker problem som inte "
    + "beskrivs här, eller om du tycker att vi inte uppfyller lagen, berätta det för oss så att vi får veta att "
    + "problemet finns.",
  "statement.reportContact": "Skriv till oss: ",
  "statement.reportRegion": "Kontakta {region} genom din vårdcentral eller regionens växel och be att få "
    + "lämna synpunkter på tillgängligheten i Nära.",
  "statement.superviseTitle": "Tillsyn",
  "statement.supervise": "Myndigheten för digital förvaltning (DIGG) har ansvaret för tillsyn för lagen om "
    + "tillgänglighet till digital offentlig service. Om du inte är nöjd med hur vi hanterar dina synpunkter kan "
    + "du kontakta DIGG och påtala det.",
  "statement.superviseLink": "Anmäl brister i digital tillgänglighet till DIGG",
  "statement.techTitle": "Teknisk information om tjänstens tillgänglighet",
  "statement.tech": "Nära är delvis förenlig med WCAG 2.1 nivå AA på grund av de brister som beskrivs nedan.",
  "statement.gapsTitle": "Innehåll som inte är tillgängligt",
  "statement.gap1": "Du loggas ut efter en tid utan att först få en varning eller kunna förlänga tiden "
    + "(WCAG 2.2.1). Det du redan har svarat sparas i 24 timmar och finns kvar när du loggar in igen.",
  "statement.gap2": "Bilder som du laddar upp har ingen textbeskrivning av vad de visar, bara ett nummer "
    + "(WCAG 1.1.1). Skriv gärna vad bilden visar i din beskrivning.",
  "statement.gap3": "Inloggning med BankID på en annan enhet kräver att du kan skanna en QR-kod. Du kan i stället "
    + "logga in med BankID på samma enhet eller med Freja eID+.",
  "statement.gap4": "Frågorna och råden finns bara på svenska och engelska, inte på lättläst svenska, andra språk "
    + "eller teckenspråk.",
  "statement.gap5": "Meddelanden från vårdpersonalen skrivs av människor. Vi kan inte garantera att de alltid är "
    + "lätta att förstå; fråga gärna i chatten om något är oklart.",
  "statement.testTitle": "Hur vi testat tjänsten",
  "statement.test": "Vi har själva granskat Nära. Varje sida kontrolleras automatiskt med axe-core (regler för "
    + "WCAG 2.1 A och AA) på svenska och engelska vid varje ändring. Vi testar också att hela vägen från "
    + "inloggning till svar går att göra med bara tangentbord och med synlig fokusmarkering, på en 360 pixlar "
    + "bred skärm och med 200 % förstoring. Tjänsten har ännu inte granskats av en extern part, och vi har ännu "
    + "inte testat den tillsammans med användare av skärmläsare.",
  "statement.dates": "Senaste bedömningen gjordes den 26 november 2026. Redogörelsen uppdaterades senast den "
    + "26 november 2026.",
};

const en = {
  "statement.title": "Accessibility statement for Nära",
  "statement.intro": "{region} is responsible for Nära. We want as many people as possible to be able to use it. "
    + "This statement describes how Nära meets the Swedish law on accessibility of digital public services, "
    + "the shortcomings we know of, and how you can report problems to us so that we can fix them.",
  "statement.howTitle": "How accessible is the service?",
  "statement.how": "Nära is partially compliant with the law on accessibility of digital public services. The "
    + "target is WCAG 2.1 level AA. The shortcomings we know of are described below.",
  "statement.helpTitle": "What can you do if you cannot use parts of the service?",
  "statement.help": "Call your health centre or 1177 Vårdguiden by phone to get the same help another way. "
    + "In a life-threatening emergency, always call 112.",
  "statement.reportTitle": "Report accessibility problems",
  "statement.report": "We keep working to make Nära more accessible. If you find a problem not described here, "
    + "or think that we do not meet the law, please tell us so that we know about it.",
  "statement.reportContact": "Write to us: ",
  "statement.reportRegion": "Contact {region} through your health centre or the region's switchboard and ask to "
    + "give feedback on the accessibility of Nära.",
  "statement.superviseTitle": "Enforcement",
  "statement.supervise": "The Agency for Digital Government (DIGG) is responsible for enforcing the law on "
    + "accessibility of digital public services. If you are not satisfied with how we handle your feedback, you "
    + "can contact DIGG and report it.",
  "statement.superviseLink": "Report accessibility shortcomings to DIGG (in Swedish)",
  "statement.techTitle": "Technical information about the service's accessibility",
  "statement.tech": "Nära is partially compliant with WCAG 2.1 level AA because of the shortcomings below.",
  "statement.gapsTitle": "Content that is not accessible",
  "statement.gap1": "You are logged out after a while without a warning first or a way to extend the time "
    + "(WCAG 2.2.1). What you have already answered is kept for 24 hours and is there when you log in again.",
  "statement.gap2": "Pictures you upload have no text describing what they show, only a number (WCAG 1.1.1). "
    + "You are welcome to say what the picture shows in your description.",
  "statement.gap3": "Logging in with BankID on another device requires scanning a QR code. You can instead log in "
    + "with BankID on the same device or with Freja eID+.",
  "statement.gap4": "The questions and advice are only in Swedish and English, not in easy-to-read Swedish, other "
    + "languages or sign language.",
  "statement.gap5": "Messages from the healthcare staff are written by people. We cannot guarantee that they are "
    + "always easy to understand; please ask in the chat if something is unclear.",
  "statement.testTitle": "How we tested the service",
  "statement.test": "We have reviewed Nära ourselves. Every page is checked automatically with axe-core (WCAG 2.1 "
    + "A and AA rules) in Swedish and English on every change. We also test that the whole way from login to "
    + "reply can be done with the keyboard alone and with visible focus, on a 360 pixel wide screen and at 200 % "
    + "zoom. The service has not yet been reviewed by an outside party, and we have not yet tested it together "
    + "with screen reader users.",
  "statement.dates": "The latest assessment was made on 26 November 2026. The statement was last updated on "
    + "26 November 2026.",
};

export const STRINGS = { sv, en };
addStrings(STRINGS);

export function statementView(ctx) {
  ctx.setTitle("footer.statement");
  const region = { region: config.region || "Regionen" };
  const section = (titleKey, ...content) => h("section", {}, h("h2", { t: titleKey }), content);
  const contact = config.accessibilityContact
    ? h("p", {}, h("span", { t: "statement.reportContact" }),
      h("a", { href: `mailto:${config.accessibilityContact}` }, config.accessibilityContact))
    : h("p", { t: "statement.reportRegion", vars: region });
  ctx.main.append(h("article", { class: "statement" },
    h("h1", { tabindex: "-1", t: "statement.title" }),
    h("p", { class: "lead", t: "statement.intro", vars: region }),
    section("statement.howTitle", h("p", { t: "statement.how" })),
    section("statement.helpTitle", h("p", { t: "statement.help" })),
    section("statement.reportTitle", h("p", { t: "statement.report" }), contact),
    section("statement.superviseTitle", h("p", { t: "statement.supervise" }),
      h("p", {}, h("a", { href: DIGG_COMPLAINT, t: "statement.superviseLink" }))),
    section("statement.techTitle", h("p", { t: "statement.tech" })),
    section("statement.gapsTitle",
      h("ul", {}, [1, 2, 3, 4, 5].map((n) => h("li", { t: `statement.gap${n}` })))),
    section("statement.testTitle", h("p", { t: "statement.test" }), h("p", { t: "statement.dates" }))));
}
