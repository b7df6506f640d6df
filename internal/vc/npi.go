package vc

import "fmt"

// CheckNPI checks a US National Provider Identifier: ten digits whose last
// is the Luhn check digit of the first nine prefixed with 80840 (the card
// issuer prefix of health applications in the United States, ISO/IEC
// 7812), as CMS's NPI standard says.
func CheckNPI(npi string) error {
	if len(npi) != 10 {
		return fmt.Errorf("an NPI is 10 digits, got %d characters", len(npi))
	}
	for i := range len(npi) {
		if npi[i] < '0' || npi[i] > '9' {
			return fmt.Errorf("an NPI is 10 digits, got %q", npi)
		}
	}
	// Luhn over 80840 and the nine digits, doubling every second digit
	// from the right of that 14-digit number.
	digits := "80840" + npi[:9]
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if want := byte('0' + (10-sum%10)%10); npi[9] != want {
		return fmt.Errorf("NPI %s fails its check digit (Luhn over 80840 and its first nine digits gives %c)", npi, want)
	}
	return nil
}

// checkNPIClaims refuses an NPI credential whose subject gives an npi that
// is not one (a claim withheld by an SD-JWT holder is not there to check).
func checkNPIClaims(types []string, subjects []map[string]any) error {
	for _, t := range types {
		if t != TypeNames["npi"] {
			continue
		}
		for _, s := range subjects {
			v, ok := s["npi"]
			if !ok {
				continue
			}
			str, ok := v.(string)
			if !ok {
				return ruleError("credential_subject.npi", "credentialSubject.npi must be a string of 10 digits")
			}
			if err := CheckNPI(str); err != nil {
				return ruleError("credential_subject.npi", "credentialSubject.npi: %v", err)
			}
		}
	}
	return nil
}
