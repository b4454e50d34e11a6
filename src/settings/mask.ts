/**
 * Replaces every password in connection URLs (and `password=` parameters) inside a text with `********`.
 * @example maskSecrets('postgresql://app:s3cret@db/orion'); // 'postgresql://app:********@db/orion'
 */
export function maskSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)([^\s@'"]*)@/gi, '$1********@')
    .replace(/\b(password|passwd|pwd)=([^&\s'"]+)/gi, '$1=********');
}
