// RUN: gnnc-opt %s --split-input-file --verify-diagnostics --parsing-diagnostics | filecheck %s

%a = hls.alloca {partition = [#hls.partition<cyclic 2 dim 1>]} : memref<!gnn.fixed<18, 8>>
// CHECK: 'hls.alloca': partition of dim 1 on a 0-d array

// -----

%a = hls.alloca : memref<4xf32>
// CHECK: 'hls.alloca': element type must be fixed, integer or index, got f32

// -----

%a = hls.alloca {partition = [#hls.partition<diagonal dim 1>]} : memref<4xui3>
// CHECK: unknown partition kind 'diagonal', expected one of complete, cyclic, block

// -----

%a = hls.alloca {partition = [#hls.partition<cyclic 1 dim 1>]} : memref<4xui3>
// CHECK: cyclic partitioning needs a factor of at least 2

// -----

%w = hls.rom "w" {data = dense<[1, 2]> : tensor<2xi8>} : memref<3x!gnn.fixed<8, 3>>
// CHECK: 'hls.rom': data shape [2] does not match the array shape [3]

// -----

%w = hls.rom "w" {data = dense<[1.0, 2.0]> : tensor<2xf32>} : memref<2x!gnn.fixed<8, 3>>
// CHECK: 'hls.rom': data must be raw integers

// -----

%a = hls.alloca : memref<4x2xui3>
%i = hls.constant 0 : index
%v = hls.load %a[%i] : memref<4x2xui3> -> ui3
// CHECK: 'hls.load': 1 indices for a 2-d array

// -----

%a = hls.alloca : memref<4xui3>
%i = hls.constant 0 : index
%v = hls.load %a[%i] : memref<4xui3> -> ui4
// CHECK: 'hls.load': result type ui4 is not the element type ui3

// -----

%a = hls.alloca : memref<4xui3>
%i = hls.constant 0 : index
%v = hls.constant 1 : ui4
hls.store %v, %a[%i] : ui4, memref<4xui3>
// CHECK: 'hls.store': stored value of type ui4 into an array of ui3 (insert hls.cast)

// -----

hls.for %i = 0 to 0 {
}
// CHECK: 'hls.for': trip count must be positive, got 0

// -----

hls.for %i = 1 to 4 {
}
// CHECK: hls.for loops start at 0

// -----

hls.for %i = 0 to 4 {
} {pipeline_ii = 0 : i64}
// CHECK: 'hls.for': pipeline II must be >= 1

// -----

%a = hls.constant 1 : !gnn.fixed<8, 3>
%b = hls.constant 1 : !gnn.fixed<8, 4>
%c = hls.max %a, %b : !gnn.fixed<8, 3>, !gnn.fixed<8, 4> -> !gnn.fixed<8, 3>
// CHECK: 'hls.max': operands and result must have one type

// -----

%a = hls.constant 1 : !gnn.fixed<8, 3>
%b = hls.index_cast %a : !gnn.fixed<8, 3> -> ui3
// CHECK: 'hls.index_cast': one side must be index

// -----

%a = hls.constant 1 : f32
// CHECK: 'hls.constant': type must be fixed, integer or index, got f32

// -----

// A shift only moves the binary point: x * 2^-3 of fixed<17,7> is fixed<17,4>.
%x = "test.op"() : () -> !gnn.fixed<17, 7>
%s = hls.shift %x by -3 : !gnn.fixed<17, 7> -> !gnn.fixed<17, 7>
// CHECK: 'hls.shift': shifting !gnn.fixed<17, 7> by -3 gives !gnn.fixed<17, 4>, not !gnn.fixed<17, 7>

// -----

// Shifting left past all 10 fractional bits adds integer bits: by 12, two more bits.
%x = "test.op"() : () -> !gnn.fixed<16, 6>
%s = hls.shift %x by 12 : !gnn.fixed<16, 6> -> !gnn.fixed<16, 18>
// CHECK: 'hls.shift': shifting !gnn.fixed<16, 6> by 12 gives !gnn.fixed<18, 18>, not !gnn.fixed<16, 18>

// -----

// The sign stays: an unsigned result of a signed input is not a shift.
%x = "test.op"() : () -> !gnn.fixed<8, 3>
%s = hls.shift %x by 1 : !gnn.fixed<8, 3> -> !gnn.fixed<8, 4, unsigned>
// CHECK: 'hls.shift': shifting !gnn.fixed<8, 3> by 1 gives !gnn.fixed<8, 4>, not !gnn.fixed<8, 4, unsigned>
