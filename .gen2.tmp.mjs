import ts from 'typescript';
const program = ts.createProgram(['src/index.ts'], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, types: ['node'] });
const checker = program.getTypeChecker();
const exportsOf = (f) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(f)));
const want = process.argv.slice(2);
const syms = new Map(exportsOf('src/index.ts').map((s) => [s.name, s]));
// DeploymentSchedules is exported too
for (const name of want) {
  const sym = syms.get(name); const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const cls = target.declarations[0];
  const doc = ts.getJSDocCommentsAndTags(cls).map((d) => d.getText()).join('\n');
  console.log(`${doc}\nexport interface ${name} {`);
  const seen = new Set();
  const members = [...cls.members];
  // inherited
  let base = cls.heritageClauses?.[0]?.types[0];
  while (base) { const bt = checker.getTypeAtLocation(base.expression); const bs = bt.getSymbol?.() ?? checker.getSymbolAtLocation(base.expression); const bd = bs?.declarations?.[0]; if (!bd || !bd.members) break; members.push(...bd.members.map(m => Object.assign(m, {inherited: true}))); base = bd.heritageClauses?.[0]?.types[0]; }
  for (const m of members) {
    if (!(ts.isMethodDeclaration(m) || ts.isPropertyDeclaration(m) || ts.isGetAccessor(m))) continue;
    const mods = ts.getCombinedModifierFlags(m);
    if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static)) continue;
    if (ts.isPrivateIdentifier(m.name)) continue;
    const n = m.name.getText(); if (seen.has(n)) continue; seen.add(n);
    const d = ts.getJSDocCommentsAndTags(m).map((x) => x.getText()).join('\n');
    if (d) console.log('  ' + d.replace(/\n\s*/g, '\n  '));
    if (ts.isMethodDeclaration(m)) {
      const params = m.parameters.map((p) => p.getText().replace(/\s*=\s*[^,]*$/, (s) => '')).map((p, i) => m.parameters[i].initializer ? p.replace(/^(\w+)(:)/, '$1?$2').replace(/^(\w+)$/, '$1?') : p).join(', ');
      const sig = checker.getSignatureFromDeclaration(m);
      const ret = m.type ? m.type.getText() : checker.typeToString(checker.getReturnTypeOfSignature(sig));
      console.log(`  ${n}(${params}): ${ret};${m.inherited ? ' // inherited' : ''}`);
    } else {
      console.log(`  readonly ${n}: ${m.type ? m.type.getText() : checker.typeToString(checker.getTypeAtLocation(m))};`);
    }
  }
  console.log('}\n');
}
