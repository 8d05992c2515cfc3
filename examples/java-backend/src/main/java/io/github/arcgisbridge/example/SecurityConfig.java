package io.github.arcgisbridge.example;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;

/**
 * Sign-in with IdentityServer4 (the registration {@code identityserver4}; a public client uses PKCE). The API answers
 * 401 instead of redirecting. The token endpoint's POST (the page's report of a refused token) is exempt from the CSRF
 * token because it only accepts {@code application/json}, which a cross-site form cannot send without a CORS preflight,
 * and the session cookie is SameSite=Lax (application.yml).
 */
@Configuration
public class SecurityConfig {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        AntPathRequestMatcher api = new AntPathRequestMatcher("/api/**");
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers(api).authenticated()
                        .anyRequest().authenticated())
                .oauth2Login(login -> login.loginProcessingUrl("/callback"))
                .oauth2Client(Customizer.withDefaults())
                .exceptionHandling(errors -> errors.defaultAuthenticationEntryPointFor(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), api))
                .csrf(csrf -> csrf.ignoringRequestMatchers(new AntPathRequestMatcher(ArcGisTokenController.PATH, "POST")));
        return http.build();
    }
}
