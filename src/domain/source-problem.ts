// What git's answer about a source repository means, in one plain sentence: no repository there,
// cannot be reached, needs credentials, or not found. Pure: git's stderr in, a message out.

export function sourceProblem(source: string, gitError: string): string {
  const text = gitError.replace(/\r/g, '');
  if (/does not appear to be a git repository|not a git repository|No such file or directory/i.test(text)) {
    return `the source ${source} is not a git repository (nothing there, or no repository at that path)`;
  }
  const unreachable = /(Could not resolve host: \S+|Failed to connect to [^:\n]+? port \d+|Connection refused|Connection timed out|Network is unreachable|Operation timed out|SSL certificate problem[^\n]*)/i.exec(text);
  if (unreachable) return `the source ${source} cannot be reached: ${unreachable[1]}`;
  if (/Authentication failed|could not read Username|terminal prompts disabled|Permission denied \(publickey|returned error: 40[13]\b/i.test(text)) {
    return `the source ${source} refused this machine's git credentials (or needs some): it may be private`;
  }
  if (/repository '[^']*' not found|returned error: 404\b|Repository not found/i.test(text)) return `the source ${source} does not exist on its server (404)`;
  const fatal = text.split('\n').map((line) => line.trim()).find((line) => line.startsWith('fatal:'));
  return `cannot read the tags of ${source}: ${(fatal ?? text.trim().split('\n')[0] ?? text).replace(/^fatal:\s*/, '')}`;
}
