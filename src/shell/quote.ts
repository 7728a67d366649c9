/**
 * One word for a POSIX shell: left bare when it is made only of characters no shell treats specially,
 * else single-quoted (a single quote inside becomes '\''). Used for every command line rhx builds to
 * run on a node, in a container or over ssh.
 */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
