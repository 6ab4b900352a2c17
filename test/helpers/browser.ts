import { CookieJar } from 'tough-cookie';

/**
 * fetch as a browser sends a request: a GET whose reused keep-alive connection the server closed at
 * that very moment (its idle timer firing late on a loaded machine, seen in CI as "fetch failed") is
 * sent once more on a new connection, as browsers do, and said on stderr. Any other failure names
 * the URL and undici's cause (undici itself says only "fetch failed").
 */
export async function browserFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const method = init.method ?? 'GET';
  const failed = (error: Error): never => {
    throw new Error(`${method} ${url}: ${error.message} (${String(error.cause)})`, { cause: error });
  };
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = String((error as Error).cause);
    if (method !== 'GET' || !/other side closed|ECONNRESET|socket hang up|UND_ERR_SOCKET/i.test(cause))
      return failed(error as Error);
    process.stderr.write(`test browser: GET ${url} sent again after ${cause}\n`);
    return fetch(url, init).catch(failed);
  }
}

/** A cookie-keeping HTTP client that, like a browser, follows redirects one hop at a time. */
export class Browser {
  readonly jar = new CookieJar();
  readonly headers: Record<string, string>;

  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = await this.jar.getCookieString(url);
    const response = await browserFetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...this.headers, ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const setCookie of response.headers.getSetCookie()) await this.jar.setCookie(setCookie, url);
    return response;
  }

  /** Follows redirects until a page answers or the next hop leaves for `stopAt` (the relying party). */
  async follow(url: string, init: RequestInit = {}, stopAt?: string): Promise<{ url: string; response?: Response }> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 10) throw new Error('too many redirects');
      current = new URL(response.headers.get('location') ?? '', current).href;
      if (stopAt && current.startsWith(stopAt)) return { url: current };
      response = await this.request(current);
    }
    return { url: current, response };
  }

  get(url: string) {
    return this.follow(url);
  }

  postForm(url: string, fields: Record<string, string>, stopAt?: string) {
    return this.follow(url, { method: 'POST', body: new URLSearchParams(fields) }, stopAt);
  }

  /** Opens a page: where the browser ends up, the status and the HTML. */
  async page(url: string): Promise<PageResult> {
    return read(await this.get(url));
  }

  /** Submits a form of `current` (its CSRF token included) to `url`. */
  async submit(url: string, current: { html: string }, fields: Record<string, string>): Promise<PageResult> {
    return read(await this.postForm(url, { _csrf: inputValue(current.html, '_csrf'), ...fields }));
  }
}

export interface PageResult {
  url: string;
  status?: number;
  html: string;
}

async function read(result: { url: string; response?: Response }): Promise<PageResult> {
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

/** The value of a named hidden or text input in a page. */
export function inputValue(html: string, name: string): string {
  const match =
    html.match(new RegExp(`name="${name}"[^>]*value="([^"]*)"`)) ?? html.match(new RegExp(`value="([^"]*)"[^>]*name="${name}"`));
  if (!match) throw new Error(`no input ${name} in page`);
  return match[1] as string;
}

/** The action of the page's first post form, or of the first whose action ends with `path`. */
export function formAction(html: string, path = ''): string {
  for (const match of html.matchAll(/<form method="post" action="([^"]+)"/g)) {
    if ((match[1] as string).endsWith(path)) return match[1] as string;
  }
  throw new Error(`no post form${path ? ` to …${path}` : ''} in page`);
}
