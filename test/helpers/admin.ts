/** JSON calls to the admin API with (or without) a key. */
export interface AdminClient {
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string | null,
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
}

export function adminClient(adminUrl: string, adminKey: string): AdminClient {
  return {
    async call(method, path, body, key = adminKey) {
      const headers: Record<string, string> = {};
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(adminUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
  };
}
