import type { Argv } from 'yargs';
import { loadPem, loadToken } from './token.js';

/** The shared token's options, for every command that talks to a coordinator or serves one. */
export const tokenOptions = <T>(y: Argv<T>) =>
  y.option('token-file', { type: 'string', describe: 'file holding the shared token (else --token, else $VOLLEY_TOKEN)' }).option('token', {
    type: 'string',
    describe: 'the shared token itself (visible to other local users in the process list; prefer --token-file)',
  });

/** Where the control API is, for the commands that drive a running coordinator. */
export const coordinatorOption = <T>(y: Argv<T>) =>
  tokenOptions(y)
    .option('coordinator', {
      alias: 'c',
      type: 'string',
      describe: 'control API address, e.g. http://HOST:7000',
      default: process.env.VOLLEY_COORDINATOR ?? 'http://127.0.0.1:7000',
    })
    .option('tls-ca', { type: 'string', describe: 'PEM CA to trust for an https coordinator' });

export const controlClient = async (a: { coordinator: string; tokenFile?: string; token?: string; tlsCa?: string }) => {
  const { ControlClient } = await import('../api/client.js');
  return new ControlClient(a.coordinator, loadToken(a.tokenFile, a.token), loadPem('--tls-ca', a.tlsCa));
};
