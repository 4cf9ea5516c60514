// Rules about built versions that the API and the CLI share. Pure.

export interface VersionRoles {
  live?: string;
  desired?: string;
}

/** Why a built version may not be removed now, or undefined when it may. */
export function removalRefusal(project: string, version: string, roles: VersionRoles): string | undefined {
  if (version === roles.live) return `${project}@${version} is live: deploy another version first (opus deploy ${project} <version>), then remove it`;
  if (version === roles.desired) return `${project}@${version} is the version the config repo deploys: the next sync would build it again; deploy another version first`;
  return undefined;
}
