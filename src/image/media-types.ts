// Media types of images, from the OCI image-spec (media-types.md) and Docker's Image Manifest
// V2 Schema 2 (distribution/docs/spec/manifest-v2-2.md). Only what reading an image needs.

export const ociIndex = 'application/vnd.oci.image.index.v1+json';
export const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
export const ociConfig = 'application/vnd.oci.image.config.v1+json';
export const dockerManifestList = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
export const dockerConfig = 'application/vnd.docker.container.image.v1+json';
/** Schema 1 (signed JSON web signature); deprecated and not supported. */
export const dockerManifestV1Signed = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
export const dockerManifestV1 = 'application/vnd.docker.distribution.manifest.v1+json';

export const indexMediaTypes: ReadonlySet<string> = new Set([ociIndex, dockerManifestList]);
export const manifestMediaTypes: ReadonlySet<string> = new Set([ociManifest, dockerManifest]);
export const configMediaTypes: ReadonlySet<string> = new Set([ociConfig, dockerConfig]);

/**
 * The Accept header of a manifest request. docker-registry 2.8 answers 404 for an OCI manifest
 * unless the request accepts the OCI types (shared/RECIPES.md), so all four are listed.
 */
export const manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest].join(
  ', ',
);

/**
 * Layer media types we can read: OCI layers (media-types.md, incl. the deprecated
 * non-distributable ones) and Docker's rootfs diffs. The compression is decided by magic bytes,
 * not by this type (see layers-decompress.ts).
 */
export const layerMediaTypes: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);
