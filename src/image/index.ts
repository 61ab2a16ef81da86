// Public surface of image/: opening an image (registry, OCI layout, docker-save archive),
// reading its config, layers and the files a caller keeps, and registry credentials.
export { openImageSource } from './source-open.ts';
export type { OpenImageSourceOptions } from './source-open.ts';
export { readImage, layerHistory } from './read-image.ts';
export type { ReadImageOptions, ImageReadResult, ImageLayer } from './read-image.ts';
export type { ImageSource, ImageSourceKind, ResolvedImage, LayerBlob } from './source.ts';
export { RegistryImageSource, parseRegistryReference, formatImageRef } from './source-registry.ts';
export { OciLayoutSource } from './source-oci-layout.ts';
export { DockerArchiveSource } from './source-docker-archive.ts';
export { RegistryClient, isLoopbackHost } from './registry-client.ts';
export type { RegistryClientOptions, RegistryRequestCounts } from './registry-client.ts';
export {
  readDockerConfig,
  parseDockerConfig,
  credentialsFromPullSecret,
  mergeAuthConfigs,
  findCredentials,
  emptyAuthConfig,
} from './registry-credentials.ts';
export type {
  DockerAuthConfig,
  RegistryCredentials,
  CredentialLookup,
} from './registry-credentials.ts';
export type { KeepPredicate, KeepInfo, KeepType } from './layers-read.ts';
export type { ImageFileSystem, ImageFile, ImageSymlink } from './layers-flatten.ts';
export type { Compression } from './layers-decompress.ts';
export { defaultImageLimits } from './limits.ts';
export type { ImageLimits } from './limits.ts';
export { parsePlatform, formatPlatform, defaultPlatform } from './platform.ts';
export type { PlatformSpec } from './platform.ts';
export type { ImageConfig, HistoryEntry, Descriptor } from './manifest.ts';
export { analyzers } from './analyzers/all.ts';
export { analyzeImage, wantsFile, registerAnalyzers } from './analyzers/registry.ts';
export type { Analyzer, AnalyzerInput, AnalyzerResult, FileInfo } from './analyzers/types.ts';
export { detectOsRelease, distroEcosystem } from './analyzers/os-release.ts';
export { openZip, openZipFile, ZipError } from './analyzers/zip.ts';
export type { ZipArchive, ZipFile } from './analyzers/zip.ts';
export {
  scanImage,
  analyzerFiles,
  matchScanComponents,
  mergeAliasedVulnerabilities,
} from './scan.ts';
export type { MatchedComponents, ScanImageOptions } from './scan.ts';
export {
  parseIgnoreFile,
  readIgnoreFile,
  applyIgnoreRules,
  ignoreRuleExpired,
} from './ignore-file.ts';
export type { IgnoreOutcome } from './ignore-file.ts';
