// gnnc-opt reports user errors as one line on stderr ("gnnc-opt: error: ..."), plus
// the source line and a caret for errors in IR, and exits 1: never a traceback.
// `X-NOT: {{.}}` after the last match checks that nothing else was printed.

// RUN: not gnnc-opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=PASS
// PASS-NOT:  Traceback
// PASS:      {{^}}gnnc-opt: error: unknown pass 'no-such-pass' (gnnc passes: gnn-fold-batchnorm, gnn-canonicalize, gnn-cse, gnn-fixed-point, {{.*}}; see gnnc-opt --help for all)
// PASS-NOT:  {{.}}

// RUN: not gnnc-opt %s -p cse,canonicalise 2>&1 | filecheck %s --check-prefix=TYPO
// TYPO:      {{^}}gnnc-opt: error: unknown pass 'canonicalise' (did you mean 'canonicalize'? gnnc passes: {{.*}})
// TYPO-NOT:  {{.}}

// RUN: not gnnc-opt %s -p 'cse{bogus=1}' 2>&1 | filecheck %s --check-prefix=OPTION
// OPTION:     {{^}}gnnc-opt: error: pass 'cse' has no option 'bogus' (options: none)
// OPTION-NOT: {{.}}

// RUN: not gnnc-opt %s -p 'gnn-fixed-point{max-edges=many}' 2>&1 | filecheck %s --check-prefix=OPTTYPE
// OPTTYPE:     {{^}}gnnc-opt: error: pass 'gnn-fixed-point': Incompatible types: given ('many',), expected <class 'int'>
// OPTTYPE-NOT: {{.}}

// RUN: not gnnc-opt %s -p 'cse{' 2>&1 | filecheck %s --check-prefix=PIPELINE
// PIPELINE:      {{^}}gnnc-opt: error: invalid pass pipeline: Expected argument name here
// PIPELINE-NEXT: {{^}}cse{
// PIPELINE-NEXT: {{^}}    ^
// PIPELINE-NOT:  {{.}}

// RUN: not gnnc-opt %s -t no-such-target 2>&1 | filecheck %s --check-prefix=TARGET
// TARGET-NOT: Traceback
// TARGET:     {{^}}gnnc-opt: error: argument -t/--target: invalid choice: 'no-such-target' (choose from {{.*}}vitis{{.*}})
// TARGET-NOT: {{.}}

// RUN: not gnnc-opt %s 2>&1 | filecheck %s --check-prefix=VERIFY
// VERIFY-NOT:  Traceback
// VERIFY:      {{^}}gnnc-opt: error: {{.*}}gnnc-opt-errors.mlir:[[# @LINE + 6]]:3: 'gnn.gather': result must have 3 features, got 4
// VERIFY-NEXT: {{^}}  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<4, f32>
// VERIFY-NEXT: {{^}}  {{\^+$}}
// VERIFY-NOT:  {{.}}

func.func @main(%x: !gnn.nodes<3, f32>, %ei: !gnn.edge_index) -> !gnn.nodes<3, f32> {
  %xj = gnn.gather src %x, %ei : !gnn.nodes<3, f32> -> !gnn.edges<4, f32>
  func.return %x : !gnn.nodes<3, f32>
}

// RUN: echo "func.func @f(%%x: !gnn.nodes<3, !gnn.fixed<16, 6, banana>>) {" > %t.mlir
// RUN: not gnnc-opt %t.mlir 2>&1 | filecheck %s --check-prefix=PARSE
// PARSE-NOT:  Traceback
// PARSE:      {{^}}gnnc-opt: error: {{.*}}.mlir:1:50: unknown !gnn.fixed option 'banana': expected signed, unsigned, {{.*}}
// PARSE-NEXT: {{^}}func.func @f(%x: !gnn.nodes<3, !gnn.fixed<16, 6, banana>>) {
// PARSE-NEXT: {{^}}                                                 {{\^+$}}
// PARSE-NOT:  {{.}}

// RUN: echo "func.func @f(%%x: !gnn.nodes<3, !gnn.fixed<0, 6>>) {" > %t.mlir
// RUN: not gnnc-opt %t.mlir 2>&1 | filecheck %s --check-prefix=TYPE
// TYPE:      {{^}}gnnc-opt: error: {{.*}}.mlir:1:32: !gnn.fixed width must be in [1, 1024], got 0
// TYPE-NEXT: {{^}}func.func @f(%x: !gnn.nodes<3, !gnn.fixed<0, 6>>) {
// TYPE-NEXT: {{^}}                                {{\^+$}}
// TYPE-NOT:  {{.}}

// RUN: not gnnc-opt %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING:     {{^}}gnnc-opt: error: cannot read '{{.*}}does-not-exist.mlir': No such file or directory
// MISSING-NOT: {{.}}

// RUN: not gnnc-opt %s --precision 'fixed<8,3>' 2>&1 | filecheck %s --check-prefix=FLAG
// FLAG:     {{^}}gnnc-opt: error: --precision only applies with --lower-to-hls
// FLAG-NOT: {{.}}

// RUN: not gnnc-opt %s --no-such-flag 2>&1 | filecheck %s --check-prefix=USAGE
// USAGE:     {{^}}gnnc-opt: error: unrecognized arguments: --no-such-flag (see gnnc-opt --help)
// USAGE-NOT: {{.}}
