import test from 'ava';
import { imageSize } from 'image-size';
import { Jimp } from 'jimp';
import { AuditModel } from '../src/db/models/audit.ts';
import { TenantModel } from '../src/db/models/tenant.ts';
import { inputValue } from './helpers/browser.ts';
import { startLogin } from './helpers/relying-party.ts';
import { consoleUniversity, type StaffPage } from './helpers/staff.ts';

// Issue 26 item 1: a university's logo and colour, checked, previewed and saved for every page.
const suite = consoleUniversity('console-branding');

/** The branding form posted as a browser posts it (multipart), with a chosen file if any. */
async function post(
  page: StaffPage,
  fields: Record<string, string>,
  file?: { name: string; data: Uint8Array },
): Promise<StaffPage> {
  const body = new FormData();
  body.set('_csrf', inputValue(page.html, '_csrf'));
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  if (file) body.set('logo', new Blob([new Uint8Array(file.data)]), file.name);
  const result = await suite.staff.browser.follow(`${suite.staff.base}/branding`, { method: 'POST', body });
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

test.serial(
  'an admin previews a logo and a colour, saves them, and every page shows them; a colour white text cannot be read on is refused',
  async (t) => {
    const page = await suite.staff.get('/branding');
    const light = await post(page, { color: '#ffdd00', step: 'preview' });
    t.is(light.status, 400);
    t.regex(light.html, /この色では白い文字が読みにくくなります（明るさの比 1\.\d、4\.5以上が必要）/);
    t.regex(light.html, /value="#ffdd00"/, 'what was typed stays');
    const notHex = await post(light, { color: 'navy', step: 'preview' });
    t.regex(notHex.html, /色は #1e4d8c のように/);
    const notImage = await post(
      notHex,
      { color: '', step: 'preview' },
      { name: 'logo.png', data: new TextEncoder().encode('<svg onload=alert(1)>') },
    );
    t.regex(notImage.html, /ロゴはPNG・JPEG・GIFの画像にしてください。/);

    const wide = await new Jimp({ width: 1200, height: 300, color: 0x1e4d8cff }).getBuffer('image/png');
    const preview = await post(notImage, { color: '＃1E4D8C', step: 'preview' }, { name: 'logo.png', data: wide });
    t.is(preview.status, 200);
    t.regex(preview.html, /<link rel="stylesheet" href="\/t\/test-univ\/branding-preview\.css\?color=1e4d8c">/);
    t.regex(preview.html, /<img class="site-logo" src="data:image\/png;base64,/);
    t.falsy((await TenantModel.findById('test-univ').lean())?.branding?.color, 'nothing is saved by a preview');
    const previewCss = await (await fetch(`${suite.service.issuer}/t/test-univ/branding-preview.css?color=1e4d8c`)).text();
    t.regex(previewCss, /\.brand-preview \.site-header\{background:#1e4d8c\}/);

    const saved = await post(preview, { color: '#1e4d8c', step: 'save', logoData: inputValue(preview.html, 'logoData') });
    t.regex(saved.html, /ロゴと色を保存しました。/);
    const login = (await startLogin(suite.rp)).page;
    const css = login.match(/<link rel="stylesheet" href="(\/t\/test-univ\/branding\.css\?v=\d+)">/)?.[1];
    const logo = login.match(/<img class="site-logo" src="(\/t\/test-univ\/logo\.png\?v=\d+)" alt="">/)?.[1];
    t.truthy(css, 'the login page links the university’s stylesheet');
    t.truthy(logo, 'and shows its logo');
    const cssResponse = await fetch(`${suite.service.issuer}${css}`);
    t.regex(await cssResponse.text(), /\.site-header\{background:#1e4d8c\}/);
    t.regex(cssResponse.headers.get('cache-control') ?? '', /immutable/);
    const png = new Uint8Array(await (await fetch(`${suite.service.issuer}${logo}`)).arrayBuffer());
    t.is(imageSize(png).width, 320, 'fitted into the logo box');
    t.is(imageSize(png).height, 80);
    t.like((await AuditModel.findOne({ event: 'console.branding_changed' }).lean())?.detail, {
      before: '',
      after: '#1e4d8c',
      logo: 'replaced',
    });

    const removed = await post(await suite.staff.get('/branding'), { color: '#1e4d8c', removeLogo: 'yes', step: 'save' });
    t.regex(removed.html, /ロゴと色を保存しました。/);
    t.notRegex((await startLogin(suite.rp)).page, /class="site-logo"/);
    t.is((await fetch(`${suite.service.issuer}/t/test-univ/logo.png`)).status, 404);
  },
);
