// HubSpot rejects emails whose top-level domain does not exist (`.con`, `.cpm`, `.ik` are refused),
// so the emulator carries a list of real TLDs: every two-letter country code top-level domain in the
// root zone plus the generic ones business email addresses actually use. It is deliberately not the
// full 1 400-entry IANA list; hosts can add more through `contacts.extraTlds`.

const COUNTRY_CODES = `
ac ad ae af ag ai al am ao aq ar as at au aw ax az
ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bw by bz
ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz
de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr
ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy
hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp
ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly
ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz
na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa
re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz
tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz
va vc ve vg vi vn vu wf ws ye yt za zm zw
`;

const GENERIC = `
com net org edu gov mil int arpa info biz name pro aero coop museum mobi jobs travel tel asia cat post
academy accountant accountants actor agency ai app apartments art associates attorney auction audio
auto band bank bar beer best bet bible bike bio black blog blue boutique build builders business buzz
cafe camera camp capital car cards care career careers cash catering center ceo charity chat cheap
church city claims cleaning clinic clothing cloud club coach codes coffee college community company
computer construction consulting contractors cool coupons credit creditcard cricket cruises dance
data date dating deals degree delivery democrat dental dentist design dev diamonds diet digital direct
directory discount doctor dog domains download earth eco education email energy engineer engineering
enterprises equipment estate events exchange expert exposed express fail faith family fans farm
fashion film finance financial fish fit fitness flights florist football forsale foundation fun fund
furniture futbol fyi gallery game games garden gay gift gifts gives glass global gmbh gold golf graphics
gratis green gripe group guide guitars guru health healthcare help hiphop hockey holdings holiday
homes horse hospital host hosting house how inc industries ink institute insure international
investments irish jetzt jewelry kaufen kim kitchen land law lawyer lease legal life lighting limited
limo link live llc loan loans lol london love ltd luxury maison management market marketing mba media
memorial men menu miami moda money mortgage movie network news ninja nyc one online ooo page paris
partners parts party pet photo photography photos pics pictures pink pizza place plumbing plus poker
porn press productions promo properties property pub quest racing radio realestate realty recipes red
rehab reise reisen rent rentals repair report republican rest restaurant review reviews rich rip rocks
rodeo run sale salon sarl school schule science services sexy shoes shop shopping show singles site ski
soccer social software solar solutions space sport store stream studio study style sucks supplies
supply support surf surgery swiss systems tattoo tax taxi team tech technology tennis theater tienda
tips tires today tools top tours town toys trade trading training tube university uno vacations ventures
vet viajes video villas vin vision vodka vote voting voto voyage wales wang watch webcam website wedding
wiki win wine work works world wtf xyz yoga zone
amazon apple google microsoft youtube gmail
`;

export const KNOWN_TLDS: ReadonlySet<string> = new Set(`${COUNTRY_CODES} ${GENERIC}`.split(/\s+/).filter(Boolean));
