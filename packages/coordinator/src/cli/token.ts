import { readFileSync, statSync } from 'node:fs';
import { VolleyError } from '@volley/shared';

/** The shared token: --token-file F, else --token, else the VOLLEY_TOKEN environment variable. */
export function loadToken(tokenFile: string | undefined, token?: string): string | undefined {
  if (token !== undefined && !tokenFile) {
    if (!token || /\s/.test(token)) throw new VolleyError('VOLLEY_BAD_OPTION', '--token must be one word without spaces');
    return token;
  }
  if (tokenFile) {
    let text: string;
    try {
      text = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `--token-file ${tokenFile}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    if (!text) throw new VolleyError('VOLLEY_BAD_OPTION', `--token-file ${tokenFile}: the file is empty`);
    if (/\s/.test(text)) throw new VolleyError('VOLLEY_BAD_OPTION', `--token-file ${tokenFile}: the token must be one word without spaces`);
    const mode = statSync(tokenFile).mode & 0o777;
    // said, not refused (a mounted secret's mode is not always the user's to set); a group-readable
    // one is how Kubernetes mounts a secret for a non-root container (defaultMode 0440 with fsGroup)
    if (mode & 0o004)
      process.stderr.write(
        `volley: warning: --token-file ${tokenFile} can be read by other users (mode ${mode.toString(8)}); chmod 600 it\n`,
      );
    return text;
  }
  const env = process.env.VOLLEY_TOKEN?.trim();
  return env ? env : undefined;
}

/** A PEM file named by an option (certificate, key or CA). */
export function loadPem(option: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_OPTION', `${option} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!text.includes('-----BEGIN ')) throw new VolleyError('VOLLEY_BAD_OPTION', `${option} ${file}: not a PEM file`);
  return text;
}
