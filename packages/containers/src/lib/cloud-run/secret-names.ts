// Names that say "this is a secret": the last word of the name is KEY, SECRET, TOKEN, PASSWORD (or a close
// spelling). Only the last word counts so that HF_TOKEN_PATH, SECRET_NAME or KEY_ID (pointers to secrets, not
// secrets) pass, while API_KEY, HF_TOKEN, DB_PASSWORD and AWS_SECRET_ACCESS_KEY do not.
const SECRET_NAME = /(?:^|_)(?:KEY|APIKEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIALS?)$/i;

/** True when an environment variable (or build argument) name reads like it holds a secret. */
export function looksLikeSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}
