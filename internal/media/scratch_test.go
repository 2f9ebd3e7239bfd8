package media
import ("testing";"os";"encoding/json")
func TestScratch(t *testing.T){
	for _, n := range []string{"/tmp/mt/a.mp4","/tmp/mt/a.mov","/tmp/mt/b.mov","/tmp/mt/b.mp4"} {
		f,_ := os.Open(n); st,_ := f.Stat()
		fa, err := ParseMP4(f, st.Size())
		b,_ := json.Marshal(fa)
		t.Log(n, string(b), err)
	}
}
