import { readFileSync } from 'node:fs';
import { Browser, inputValue } from './browser.ts';
import type { TestService } from './service.ts';
import { recipients } from './smtp-sink.ts';

export const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

export const APPLICANT = {
  applicationType: 'new',
  nameKanji: '山田 太郎',
  nameKana: 'ヤマダ タロウ',
  nameRoman: 'YAMADA Taro',
  sex: 'male',
  birthdate: '1990-09-09',
  schoolNameKanji: '山田 太郎',
  schoolNameKana: 'ヤマダ タロウ',
  schoolNameRoman: 'YAMADA Taro',
  catalogue: 'let-jpn',
  studentId: '15L0001',
  graduation: '2015-03',
  graduationType: 'graduated',
  postalCode: '1000001',
  prefecture: '東京都',
  city: '千代田区',
  street: '千代田1-1',
  building: '',
  phone: '03-1111-2222',
  mobile: '090-1111-2222',
  workName: '',
  idType: 'driving_licence',
  remarks: '旧姓で在籍していました。',
};

export interface Page {
  url: string;
  status?: number;
  html: string;
}

async function page(result: { url: string; response?: Response }): Promise<Page> {
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

/** A person walking the application journey in one browser. */
export class Applicant {
  readonly browser = new Browser();
  readonly service: Pick<TestService, 'issuer'> & Partial<Pick<TestService, 'smtp'>>;
  readonly tenantId: string;

  /** `service` needs an SMTP sink only for `mailedUrl`. */
  constructor(service: Applicant['service'], tenantId = 'test-univ') {
    this.service = service;
    this.tenantId = tenantId;
  }

  get base() {
    return `${this.service.issuer}/t/${this.tenantId}/apply`;
  }

  async open(path = ''): Promise<Page> {
    return page(await this.browser.get(`${this.base}${path}`));
  }

  async post(url: string, current: Page, fields: Record<string, string>): Promise<Page> {
    return page(await this.browser.postForm(url, { _csrf: inputValue(current.html, '_csrf'), ...fields }));
  }

  /** Mail address setting → Check; returns the screen shown. */
  async requestMail(email: string, confirm = email): Promise<Page> {
    const start = await this.open();
    return this.post(this.base, start, { email, emailConfirm: confirm });
  }

  /** Finds the one-time URL in the confirmation mail to `email`. */
  async mailedUrl(email: string, pattern = /(https?:\/\/\S+\/verify\/\S+)/): Promise<string> {
    if (!this.service.smtp) throw new Error('no SMTP sink to read the mail from');
    const mail = await this.service.smtp.waitFor((m) => recipients(m) === email && pattern.test(m.text ?? ''));
    return (mail.text ?? '').match(pattern)?.[1] as string;
  }

  async agree(url: string): Promise<Page> {
    const terms = await page(await this.browser.get(url));
    return this.post(url, terms, { agree: 'yes' });
  }

  /** Fills the applicant form (multipart, like a browser) and presses Check. */
  async submitForm(
    form: Page,
    values: Record<string, string>,
    files: Record<string, { name: string; data: Buffer; type?: string }> = {},
  ): Promise<Page> {
    const body = new FormData();
    body.set('_csrf', inputValue(form.html, '_csrf'));
    for (const [name, value] of Object.entries(values)) body.set(name, value);
    for (const [name, file] of Object.entries(files)) {
      body.set(name, new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }), file.name);
    }
    return page(await this.browser.follow(`${this.base}/form`, { method: 'POST', body }));
  }

  /** Mail address setting → the mailed URL → terms agreed: the applicant form. */
  async openForm(email: string): Promise<Page> {
    await this.requestMail(email);
    return this.agree(await this.mailedUrl(email));
  }

  /** The whole applicant side: mail → URL → terms → form with images → confirm → application. */
  async apply(email: string, values: Record<string, string> = APPLICANT): Promise<Page> {
    const form = await this.openForm(email);
    const confirm = await this.submitForm(form, values, {
      idFront: { name: 'front.png', data: fixture('id-front.png'), type: 'image/png' },
      idBack: { name: 'back.jpg', data: fixture('id-back.jpg'), type: 'image/jpeg' },
    });
    if (!confirm.url.endsWith('/confirm'))
      throw new Error(`form refused: ${confirm.status} ${confirm.html.match(/error-summary[\s\S]{0,800}/)?.[0]}`);
    return this.post(`${this.base}/submit`, confirm, {});
  }
}
