package reported

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFirst(t *testing.T) {
	var s Set
	assert.True(t, s.First([]byte(`{"id":1}`)))
	assert.False(t, s.First([]byte(`{"id":1}`)))
	assert.True(t, s.First([]byte(`{"id":2}`)))
	var none *Set
	assert.True(t, none.First([]byte("x")))
	assert.True(t, none.First([]byte("x")))
}

func TestBounded(t *testing.T) {
	var s Set
	for i := range Max + 10 {
		assert.True(t, s.First([]byte(strconv.Itoa(i))))
	}
	assert.Equal(t, Max, s.seen.Len())
	assert.True(t, s.First([]byte("0")), "the oldest were forgotten")
	assert.False(t, s.First([]byte(strconv.Itoa(Max+9))), "the newest are remembered")
}
