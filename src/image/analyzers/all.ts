// The explicit list of package analysers; registering a duplicate id throws.

import { apkAnalyzer } from './apk.ts';
import { dotnetAnalyzer } from './dotnet.ts';
import { dpkgAnalyzer } from './dpkg.ts';
import { goBinaryAnalyzer } from './go-binary.ts';
import { javaAnalyzer } from './java.ts';
import { npmAnalyzer } from './npm.ts';
import { osReleaseAnalyzer } from './os-release.ts';
import { phpAnalyzer } from './php.ts';
import { pythonAnalyzer } from './python.ts';
import { registerAnalyzers } from './registry.ts';
import { rpmAnalyzer } from './rpm.ts';
import { rubyAnalyzer } from './ruby.ts';
import { rustAnalyzer } from './rust.ts';

export const analyzers = registerAnalyzers([
  osReleaseAnalyzer,
  dpkgAnalyzer,
  apkAnalyzer,
  rpmAnalyzer,
  npmAnalyzer,
  pythonAnalyzer,
  rubyAnalyzer,
  javaAnalyzer,
  goBinaryAnalyzer,
  rustAnalyzer,
  dotnetAnalyzer,
  phpAnalyzer,
]);
